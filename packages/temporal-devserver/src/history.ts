/**
 * A run's history: events written by the workflow's own commands, events from outside that wait
 * while a workflow task is in flight, and the long poll on new events that clients use to wait
 * for a result.
 */
import type { CallContext } from './grpcServer';
import type { Msg } from './protos';
import type { GetWorkflowExecutionHistoryRequest } from './wire';
import { type EventDraft, buildEvent } from './events';
import type { Execution } from './execution';
import { invalidArgument } from './errors';
import type { ServerContext } from './context';

export class History {
  constructor(private readonly server: ServerContext) {}

  /** `atMs`: when the event happened, if earlier than now (a speculative task written later). */
  append(run: Execution, draft: EventDraft, atMs?: number): number {
    const eventId = run.nextEventId;
    const now = this.server.clock.now();
    const event = buildEvent(eventId, atMs === undefined ? now : Math.min(atMs, now), draft);
    run.history.push(event);
    this.server.store.appendEvent(run, event);
    draft.onWritten?.(eventId);
    run.notify();
    return eventId;
  }

  /**
   * Adds an event from outside the workflow (signal, activity result, timer...). While a workflow
   * task is in flight it waits in the buffer, as on a real server; `wake` asks for a workflow task.
   */
  add(run: Execution, draft: EventDraft, wake: boolean): void {
    if (!run.isRunning) return;
    if (run.workflowTask?.state === 'started') {
      run.buffered.push(draft);
      if (wake) run.bufferedWake = true;
      this.server.store.saveRun(run);
      return;
    }
    if (run.workflowTask?.speculative) this.server.workflowTasks.materialize(run);
    this.append(run, draft);
    if (wake) this.server.workflowTasks.ensure(run);
  }

  flushBuffered(run: Execution): boolean {
    const wake = run.bufferedWake || run.buffered.length > 0;
    const drafts = run.buffered;
    run.buffered = [];
    run.bufferedWake = false;
    for (const draft of drafts) this.append(run, draft);
    return wake;
  }

  async getWorkflowExecutionHistory(req: GetWorkflowExecutionHistoryRequest, context: CallContext): Promise<Msg> {
    const namespace = this.server.namespaces.get(req.namespace);
    const run = await this.server.runs.find(namespace.name, req.execution);
    const closeOnly = req.historyEventFilterType === 'HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT';
    const pageSize = req.maximumPageSize && req.maximumPageSize > 0 ? req.maximumPageSize : 1000;
    let from = 1;
    if (req.nextPageToken?.length) {
      from = historyPageStart(req.nextPageToken);
    }
    const deadline = Date.now() + this.server.taskQueues.pollTimeout(context);
    for (;;) {
      if (closeOnly) {
        if (!run.isRunning) return { history: { events: [run.history[run.history.length - 1]] } };
      } else if (run.history.length >= from) {
        const events = run.history.slice(from - 1, from - 1 + pageSize);
        const next = from + events.length;
        const more = next <= run.history.length || (req.waitNewEvent && run.isRunning);
        return { history: { events }, nextPageToken: more ? Buffer.from(JSON.stringify({ from: next })) : undefined };
      } else if (!run.isRunning || !req.waitNewEvent) {
        return { history: { events: [] } };
      }
      if (!req.waitNewEvent) return { history: { events: [] } };
      const remaining = deadline - Date.now();
      if (remaining <= 0 || context.isCancelled()) {
        return {
          history: { events: [] },
          nextPageToken: closeOnly ? req.nextPageToken : Buffer.from(JSON.stringify({ from })),
        };
      }
      await run.waitForChange(remaining, context.cancelled);
    }
  }

  async getWorkflowExecutionHistoryReverse(req: GetWorkflowExecutionHistoryRequest): Promise<Msg> {
    const namespace = this.server.namespaces.get(req.namespace);
    const run = await this.server.runs.find(namespace.name, req.execution);
    return { history: { events: [...run.history].reverse() } };
  }
}

/** Where a page token says the next page starts; a token this server did not write is refused. */
function historyPageStart(token: Uint8Array): number {
  let from: unknown;
  try {
    from = (JSON.parse(Buffer.from(token).toString()) as { from?: unknown }).from;
  } catch {
    from = undefined;
  }
  if (!Number.isSafeInteger(from) || (from as number) < 1) throw invalidArgument('invalid history page token');
  return from as number;
}
