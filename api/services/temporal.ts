/** The Temporal client as the use cases reach it: under the API's deadline, on the API's task queue. */
import type { Client } from '@temporalio/client';

/**
 * How long the API waits for Temporal to answer one call. The SDK retries an unreachable server
 * for tens of seconds; a caller is better served by a prompt 503.
 */
export const DEFAULT_TEMPORAL_DEADLINE_MS = 10_000;

/** Runs a Temporal call under the API's deadline (or a shorter one). */
export type CallTemporal = <T>(call: () => Promise<T>, options?: { deadlineMs?: number }) => Promise<T>;

export interface TemporalAccess {
  workflow: Client['workflow'];
  call: CallTemporal;
  taskQueue: string;
}

export function deadlineBoundCalls(temporal: Client, deadlineMs: number): CallTemporal {
  return (call, options) =>
    temporal.connection.withDeadline(Date.now() + Math.min(options?.deadlineMs ?? deadlineMs, deadlineMs), call);
}
