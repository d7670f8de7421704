/**
 * Task tokens: opaque to workers, they name the run and the task (workflow task, activity attempt
 * or query) that a completion, failure or heartbeat is about.
 */
import { invalidArgument } from './errors';

export interface TaskToken {
  kind: 'workflowTask' | 'activityTask' | 'query';
  namespace: string;
  workflowId: string;
  runId: string;
  /** workflow task: its token; activity: scheduled event id; query: query id */
  id: string;
  /** activity only: the attempt the token was handed out for */
  attempt?: number;
}

export const encodeToken = (token: TaskToken): Buffer => Buffer.from(JSON.stringify(token));

export function decodeToken(bytes: Buffer | undefined): TaskToken {
  try {
    return JSON.parse(Buffer.from(bytes ?? []).toString()) as TaskToken;
  } catch {
    throw invalidArgument('task token is malformed');
  }
}
