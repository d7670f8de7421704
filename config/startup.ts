/**
 * How every process starts and fails to start: a failure is one line naming what is wrong (never
 * a stack, never `undefined`), and a Temporal that is not there yet is waited for with capped
 * exponential backoff instead of ending the process.
 */
import { ConfigError } from './index';

const MAX_REASON_LENGTH = 300;

/** Why the process cannot start, as one line an operator can act on. */
export function describeStartupFailure(error: unknown): string {
  if (error instanceof ConfigError) {
    return `invalid configuration: ${error.issues.map((issue) => `${issue.variable}: ${issue.problem}`).join('; ')}`;
  }
  const message =
    error instanceof Error
      ? error.message
      : typeof error === 'string'
        ? error
        : error === undefined
          ? ''
          : (JSON.stringify(error) ?? typeof error);
  const line = message.replace(/\s+/g, ' ').trim();
  if (line === '') return `unexpected failure (${error instanceof Error ? error.name : typeof error})`;
  return line.length > MAX_REASON_LENGTH ? `${line.slice(0, MAX_REASON_LENGTH)}…` : line;
}

/** Ends a process whose start-up failed, with its reason on one line of stderr. */
export function exitWithStartupFailure(what: string, error: unknown): never {
  process.stderr.write(`${what} could not start: ${describeStartupFailure(error)}\n`);
  process.exit(1);
}

/** The gist of a failed connection attempt; the SDK's native errors carry a whole Rust status. */
export function describeConnectionFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/connection refused|ECONNREFUSED/i.test(message)) return 'connection refused';
  if (/dns error|failed to lookup|ENOTFOUND|name or service not known|EAI_AGAIN/i.test(message)) {
    return 'host name not found';
  }
  if (/timed? ?out|deadline/i.test(message)) return 'no answer in time';
  return describeStartupFailure(error);
}

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/** Quick at first, for a Temporal started alongside; at most every 15 s for one that is down. */
export const TEMPORAL_CONNECT_BACKOFF: Backoff = { initialMs: 500, maxMs: 15_000 };

export interface RetryNotice {
  attempt: number;
  delayMs: number;
  reason: string;
}

/**
 * Calls `attempt` until it succeeds, doubling the pause after each failure up to the cap. Gives
 * up only when `signal` aborts (a shutdown while waiting), with the signal's reason.
 */
export async function retryWithBackoff<T>({
  attempt,
  backoff = TEMPORAL_CONNECT_BACKOFF,
  onRetry,
  signal,
}: {
  attempt: () => Promise<T>;
  backoff?: Backoff;
  onRetry: (notice: RetryNotice) => void;
  signal?: AbortSignal;
}): Promise<T> {
  let delayMs = backoff.initialMs;
  for (let count = 1; ; count += 1) {
    signal?.throwIfAborted();
    try {
      return await attempt();
    } catch (error) {
      signal?.throwIfAborted();
      onRetry({ attempt: count, delayMs, reason: describeConnectionFailure(error) });
    }
    await new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, delayMs);
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });
    delayMs = Math.min(delayMs * 2, backoff.maxMs);
  }
}
