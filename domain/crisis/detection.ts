/**
 * The crisis detection rule. The monitor keeps the negative or crisis-sensitive messages it was
 * told about as counts per minute for the window and per hour for the baseline period, so its
 * state stays bounded however many arrive; the rule compares the window's count with the policy's
 * threshold, a fixed count or a multiple of the brand's usual count per window.
 */
import type { CrisisPolicy } from './policy';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** Messages counted per minute (epoch minute) and per hour (epoch hour), oldest first. */
export interface CrisisWindow {
  minutes: { minute: number; count: number }[];
  hours: { hour: number; count: number }[];
  /** When the monitor started counting: a baseline younger than its period is measured over this span. */
  since: string;
}

export const emptyCrisisWindow = (since: string): CrisisWindow => ({ minutes: [], hours: [], since });

function addTo<K extends 'minute' | 'hour'>(
  buckets: ({ count: number } & Record<K, number>)[],
  key: K,
  at: number,
): ({ count: number } & Record<K, number>)[] {
  const last = buckets.at(-1);
  if (last && last[key] === at) return [...buckets.slice(0, -1), { ...last, count: last.count + 1 }];
  const next = [...buckets, { [key]: at, count: 1 } as { count: number } & Record<K, number>];
  // Messages are usually told in order; one that comes late is put in its place.
  return next.sort((a, b) => a[key] - b[key]);
}

/** The window after one more message at `at`, with what fell out of the periods dropped. */
export function countMessage({
  window,
  at,
  policy,
}: {
  window: CrisisWindow;
  at: string;
  policy: Pick<CrisisPolicy, 'windowMinutes' | 'baselineDays'>;
}): CrisisWindow {
  const ms = Date.parse(at);
  const counted: CrisisWindow = {
    since: window.since,
    minutes: addTo(window.minutes, 'minute', Math.floor(ms / MINUTE_MS)),
    hours: addTo(window.hours, 'hour', Math.floor(ms / HOUR_MS)),
  };
  // A message told late is pruned against the newest one counted, so the state stays bounded.
  const newestMs = Math.max(ms, (window.minutes.at(-1)?.minute ?? -Infinity) * MINUTE_MS);
  return pruneWindow({ window: counted, now: new Date(newestMs).toISOString(), policy });
}

/** Drops the minutes older than the window and the hours older than the baseline period. */
export function pruneWindow({
  window,
  now,
  policy,
}: {
  window: CrisisWindow;
  now: string;
  policy: Pick<CrisisPolicy, 'windowMinutes' | 'baselineDays'>;
}): CrisisWindow {
  const nowMs = Date.parse(now);
  const firstMinute = Math.floor(nowMs / MINUTE_MS) - policy.windowMinutes + 1;
  const firstHour = Math.floor(nowMs / HOUR_MS) - policy.baselineDays * 24 + 1;
  return {
    since: window.since,
    minutes: window.minutes.filter((bucket) => bucket.minute >= firstMinute),
    hours: window.hours.filter((bucket) => bucket.hour >= firstHour),
  };
}

export interface CrisisReading {
  /** Messages in the window ending now. */
  count: number;
  /** The brand's usual count per window over the baseline period before the window. */
  baselinePerWindow: number;
  /** The count the window must reach. */
  threshold: number;
}

export type CrisisVerdict =
  | { crossed: true; reading: CrisisReading; reason: string }
  | { crossed: false; reading: CrisisReading; reason: 'below_threshold' | 'below_minimum_volume' | 'cooling_down' };

/** The window's reading against the policy at `now`. */
export function readWindow({
  window,
  now,
  policy,
}: {
  window: CrisisWindow;
  now: string;
  policy: CrisisPolicy;
}): CrisisReading {
  const nowMs = Date.parse(now);
  const windowStartMs = (Math.floor(nowMs / MINUTE_MS) - policy.windowMinutes + 1) * MINUTE_MS;
  const count = window.minutes
    .filter((bucket) => bucket.minute * MINUTE_MS >= windowStartMs && bucket.minute * MINUTE_MS <= nowMs)
    .reduce((sum, bucket) => sum + bucket.count, 0);
  // The baseline is what came before the window's first hour, so a surge never raises its own bar.
  const windowStartHour = Math.floor(windowStartMs / HOUR_MS);
  const periodStartMs = Math.max(
    (Math.floor(nowMs / HOUR_MS) - policy.baselineDays * 24 + 1) * HOUR_MS,
    Math.floor(Date.parse(window.since) / HOUR_MS) * HOUR_MS,
  );
  const before = window.hours
    .filter((bucket) => bucket.hour * HOUR_MS >= periodStartMs && bucket.hour < windowStartHour)
    .reduce((sum, bucket) => sum + bucket.count, 0);
  const periodMs = windowStartHour * HOUR_MS - periodStartMs;
  const baselinePerWindow = periodMs > 0 ? (before / periodMs) * policy.windowMinutes * MINUTE_MS : 0;
  const threshold =
    policy.threshold.kind === 'count'
      ? policy.threshold.count
      : Math.max(1, Math.ceil(baselinePerWindow * policy.threshold.multiple));
  return { count, baselinePerWindow: Math.round(baselinePerWindow * 100) / 100, threshold };
}

/**
 * Whether the window crosses the policy's threshold now. The minimum volume keeps a quiet brand
 * (a baseline near zero) from alerting on a handful of messages; the cooldown keeps one surge
 * from alerting over and over.
 */
export function judgeWindow({
  window,
  now,
  policy,
  lastAlertAt,
}: {
  window: CrisisWindow;
  now: string;
  policy: CrisisPolicy;
  /** The last alert, or the end of the last crisis: the cooldown counts from it. */
  lastAlertAt: string | null;
}): CrisisVerdict {
  const reading = readWindow({ window, now, policy });
  if (reading.count < reading.threshold) return { crossed: false, reading, reason: 'below_threshold' };
  if (reading.count < policy.minimumVolume) return { crossed: false, reading, reason: 'below_minimum_volume' };
  if (lastAlertAt !== null && Date.parse(now) - Date.parse(lastAlertAt) < policy.cooldownMinutes * MINUTE_MS) {
    return { crossed: false, reading, reason: 'cooling_down' };
  }
  const against =
    policy.threshold.kind === 'count'
      ? `the threshold of ${reading.threshold}`
      : `${policy.threshold.multiple} times the usual ${reading.baselinePerWindow}`;
  return {
    crossed: true,
    reading,
    reason: `${reading.count} negative or crisis-sensitive messages in ${policy.windowMinutes} minutes, over ${against}`,
  };
}
