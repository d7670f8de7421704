/**
 * A worker's connection to Temporal. A Temporal that is not up yet (starting alongside, or
 * restarting) is waited for: the process logs each failed attempt on one line and tries again
 * with capped exponential backoff, until it connects or is told to stop.
 */
import { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import { retryWithBackoff, type Backoff } from '../config/startup';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Resolves with the connection, or undefined when SIGINT or SIGTERM arrived while waiting. */
export async function connectWorkerToTemporal({
  address,
  logger,
  backoff,
}: {
  address: string;
  logger: Logger;
  backoff?: Backoff;
}): Promise<NativeConnection | undefined> {
  const stop = new AbortController();
  // The SDK's runtime takes over these signals once a worker runs; until then, they end the wait.
  const abort = (): void => stop.abort();
  for (const signal of STOP_SIGNALS) process.once(signal, abort);
  try {
    return await retryWithBackoff({
      attempt: () => NativeConnection.connect({ address }),
      ...(backoff ? { backoff } : {}),
      signal: stop.signal,
      onRetry: ({ attempt, delayMs, reason }) =>
        logger.warn(
          { address, attempt, retryInMs: delayMs },
          `Temporal at ${address} is not reachable (${reason}); retrying in ${formatDelay(delayMs)}`,
        ),
    }).then((connection) => {
      logger.info({ address }, `worker connected to Temporal at ${address}`);
      return connection;
    });
  } catch (error) {
    if (stop.signal.aborted) return undefined;
    throw error;
  } finally {
    for (const signal of STOP_SIGNALS) process.removeListener(signal, abort);
  }
}

export function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}
