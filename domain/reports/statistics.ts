/**
 * The summary every duration in a report gets: how many, the median, the 90th percentile and the
 * mean. Percentiles interpolate between the two nearest values (as Postgres' percentile_cont),
 * so the median of an even count is the mean of the middle two.
 */
export interface Summary {
  count: number;
  median: number | null;
  p90: number | null;
  mean: number | null;
}

export function percentile(sorted: readonly number[], fraction: number): number | null {
  if (sorted.length === 0) return null;
  const position = (sorted.length - 1) * fraction;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { count: 0, median: null, p90: null, mean: null };
  const sorted = [...values].sort((a, b) => a - b);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    count: sorted.length,
    median: round(percentile(sorted, 0.5)!),
    p90: round(percentile(sorted, 0.9)!),
    mean: round(total / sorted.length),
  };
}

/** A share of two counts, null when there is nothing to share (never a division by zero). */
export function share(part: number, whole: number): number | null {
  return whole === 0 ? null : round(part / whole, 4);
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Groups items by key, keeping the order in which keys first appear. */
export function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
