/**
 * `GET /api/v1/namespaces/{ns}/workflows/{id}/run/{runId}/history.json`: a run's whole history
 * as one ProtoJSON `{events: [...]}` document, the form Temporal's tools write and the SDK's
 * `historyFromJSON` reads, gathered page by page.
 */
import type { CallContext } from '../grpcServer';
import type { Msg } from '../protos';
import { messageToJson, type JsonObject } from './protoJson';

export interface HistorySource {
  getWorkflowExecutionHistory(request: Msg, context: CallContext): Promise<Msg> | Msg;
}

export async function fullHistoryJson(
  source: HistorySource,
  execution: { namespace: string; workflowId: string; runId: string },
  context: CallContext,
): Promise<JsonObject> {
  const events: Msg[] = [];
  let nextPageToken: Buffer | undefined;
  do {
    const page = await source.getWorkflowExecutionHistory(
      {
        namespace: execution.namespace,
        execution: { workflowId: execution.workflowId, runId: execution.runId },
        nextPageToken,
      },
      context,
    );
    const history = page.history as { events?: Msg[] } | undefined;
    const token = page.nextPageToken as Uint8Array | undefined;
    events.push(...(history?.events ?? []));
    nextPageToken = token?.length ? Buffer.from(token) : undefined;
  } while (nextPageToken && !context.isCancelled());
  return { events: messageToJson('temporal.api.history.v1.History', { events }).events ?? [] };
}
