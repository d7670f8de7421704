/**
 * How many inbound events each account may deliver per minute, so that a platform flooding us
 * (a redelivery loop, a viral thread) cannot crowd out the agents' requests and the workflows of
 * every other account. Counted in events rather than requests: a batch of 100 costs what 100
 * single deliveries cost, so batching buys no extra volume. A refused batch spends nothing.
 *
 * Like the request budgets (rateLimit.ts), a fixed one-minute window kept in this process's
 * memory: each API replica counts its own share.
 */
import { tooManyRequests, type HttpError } from './errors';

const WINDOW_MS = 60_000;

interface Window {
  resetAt: number;
  spent: number;
}

export interface InboundBudget {
  /** Spends `events` of the account's budget, or answers the 429 to send when it cannot. */
  spend(accountId: string, events: number): HttpError | undefined;
}

/** Absent or 0 `perMinute`: no limit. */
export function createInboundBudget({
  perMinute,
  now = Date.now,
}: {
  perMinute?: number;
  now?: () => number;
}): InboundBudget {
  if (!perMinute) return { spend: () => undefined };
  const windows = new Map<string, Window>();
  return {
    spend(accountId, events) {
      const at = now();
      let window = windows.get(accountId);
      if (!window || at >= window.resetAt) {
        window = { resetAt: at + WINDOW_MS, spent: 0 };
        windows.set(accountId, window);
      }
      // A batch larger than the whole budget still passes once the window is fresh.
      const cost = Math.min(Math.max(events, 1), perMinute);
      if (window.spent + cost <= perMinute) {
        window.spent += cost;
        return undefined;
      }
      const retryAfterSeconds = Math.max(1, Math.ceil((window.resetAt - at) / 1000));
      return tooManyRequests(
        `inbound limit of ${perMinute} events per minute for this account exceeded; retry after ${retryAfterSeconds} s`,
        retryAfterSeconds,
      );
    },
  };
}
