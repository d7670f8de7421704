/**
 * Duration histograms as the daily rollups keep them: fixed log-spaced bins, each with how many
 * values fell in it and their sum. Bin 0 holds values below 1 ms; bin k ≥ 1 holds values from
 * 2^((k-1)/16) ms up to 2^(k/16) ms, so a bin is 4.4 % wide. The database computes the bin with
 * the same formula (`report_duration_bucket`).
 *
 * Merging bins is adding them, so days and groups merge exactly. The count and the mean come out
 * exact (the sums are kept); a percentile takes the mean of the bin its rank falls in, which lies
 * within the bin: at most one bin's width (4.4 %) from the true value, and exact when the values
 * of that bin are equal.
 */
import { round, type Summary } from './statistics';

export const BINS_PER_DOUBLING = 16;

export interface Bin {
  bucket: number;
  count: number;
  /** The sum of the values in the bin, in the histogram's unit. */
  total: number;
}

/** The bin of a duration in milliseconds. */
export function bucketOf(ms: number): number {
  return ms < 1 ? 0 : Math.floor(Math.log2(ms) * BINS_PER_DOUBLING) + 1;
}

/** The milliseconds a bin covers: [lower, upper). */
export function bucketBounds(bucket: number): { lower: number; upper: number } {
  if (bucket <= 0) return { lower: 0, upper: 1 };
  return { lower: 2 ** ((bucket - 1) / BINS_PER_DOUBLING), upper: 2 ** (bucket / BINS_PER_DOUBLING) };
}

/** The histogram of some values (each in milliseconds times `msPerUnit`). */
export function histogramOf(values: readonly number[], msPerUnit = 1): Bin[] {
  return mergeHistograms(values.map((value) => [{ bucket: bucketOf(value * msPerUnit), count: 1, total: value }]));
}

/** Adds the histograms bin by bin; empty bins (a value added, then taken away) are dropped. */
export function mergeHistograms(histograms: readonly (readonly Bin[])[]): Bin[] {
  const bins = new Map<number, Bin>();
  for (const histogram of histograms) {
    for (const { bucket, count, total } of histogram) {
      const bin = bins.get(bucket);
      if (bin) {
        bin.count += count;
        bin.total += total;
      } else bins.set(bucket, { bucket, count, total });
    }
  }
  return [...bins.values()].filter((bin) => bin.count > 0).sort((a, b) => a.bucket - b.bucket);
}

/**
 * The percentile as Postgres' percentile_cont would give it over the values, each value stood in
 * for by the mean of its bin.
 */
export function histogramPercentile(histogram: readonly Bin[], fraction: number): number | null {
  const bins = mergeHistograms([histogram]);
  return percentileOfMerged(bins, countOf(bins), fraction);
}

const countOf = (bins: readonly Bin[]): number => bins.reduce((sum, bin) => sum + bin.count, 0);

/** The percentile over bins already merged (distinct, in order, none empty) holding `count` values. */
function percentileOfMerged(bins: readonly Bin[], count: number, fraction: number): number | null {
  if (count === 0) return null;
  const position = (count - 1) * fraction;
  const ranks = [Math.floor(position), Math.ceil(position)];
  const values: number[] = [];
  let seen = 0;
  for (const bin of bins) {
    while (values.length < 2 && ranks[values.length] < seen + bin.count) values.push(bin.total / bin.count);
    seen += bin.count;
    if (values.length === 2) break;
  }
  return values[0] + (values[1] - values[0]) * (position - ranks[0]);
}

export function summarizeHistogram(histogram: readonly Bin[]): Summary {
  const count = countOf(histogram);
  if (count === 0) return { count: 0, median: null, p90: null, mean: null };
  const total = histogram.reduce((sum, bin) => sum + bin.total, 0);
  // Merged once for both percentiles.
  const bins = mergeHistograms([histogram]);
  const binned = countOf(bins);
  return {
    count,
    median: round(percentileOfMerged(bins, binned, 0.5)!),
    p90: round(percentileOfMerged(bins, binned, 0.9)!),
    mean: round(total / count),
  };
}
