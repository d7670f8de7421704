/**
 * The duration histograms of the report rollups: bins that place every value, merging that loses
 * nothing, and percentiles within one bin's width of the exact ones (exact where a bin's values
 * are equal), with exact counts and means.
 */
import {
  bucketBounds,
  bucketOf,
  histogramOf,
  histogramPercentile,
  mergeHistograms,
  percentile,
  summarize,
  summarizeHistogram,
} from '../../domain/reports';

/** Deterministic durations spread over seconds to weeks (a linear congruential sequence). */
function durations(count: number, seed: number): number[] {
  let state = seed;
  return Array.from({ length: count }, () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return Math.round(1000 * 2 ** ((state / 2_147_483_648) * 20));
  });
}

const BIN_WIDTH = 2 ** (1 / 16) - 1;

describe('bins', () => {
  it('places each duration inside the bounds of its bin', () => {
    for (const ms of [0, 0.4, 1, 1.04, 2, 59_999, 60_000, 3_600_000, 1e11, ...durations(200, 7)]) {
      const { lower, upper } = bucketBounds(bucketOf(ms));
      expect(ms).toBeGreaterThanOrEqual(lower);
      expect(ms).toBeLessThan(upper);
    }
  });

  it('makes every bin from 1 ms on about 4.4 % wide', () => {
    for (const bucket of [1, 100, 400]) {
      const { lower, upper } = bucketBounds(bucket);
      expect(upper / lower - 1).toBeCloseTo(BIN_WIDTH, 10);
    }
  });
});

describe('merging', () => {
  it('gives the histogram of all the values, whichever way they are split', () => {
    const values = durations(300, 42);
    const merged = mergeHistograms([histogramOf(values.slice(0, 100)), histogramOf(values.slice(100))]);
    expect(merged).toEqual(histogramOf(values));
    expect(mergeHistograms([histogramOf(values.slice(200)), histogramOf(values.slice(0, 200))])).toEqual(merged);
  });

  it('drops a bin whose value was taken away again', () => {
    const added = histogramOf([5_000, 90_000]);
    const takenAway = histogramOf([90_000]).map((bin) => ({ ...bin, count: -bin.count, total: -bin.total }));
    expect(mergeHistograms([added, takenAway])).toEqual(histogramOf([5_000]));
  });
});

describe('percentiles and summaries', () => {
  it('keeps the median and p90 within one bin of the exact figures, with the exact count and mean', () => {
    const values = durations(1_001, 3);
    const exact = summarize(values);
    const approximate = summarizeHistogram(histogramOf(values));
    expect(approximate.count).toBe(exact.count);
    expect(approximate.mean).toBeCloseTo(exact.mean!, 1);
    expect(Math.abs(approximate.median! - exact.median!) / exact.median!).toBeLessThanOrEqual(BIN_WIDTH);
    expect(Math.abs(approximate.p90! - exact.p90!) / exact.p90!).toBeLessThanOrEqual(BIN_WIDTH);
  });

  it('is exact when each bin holds equal values, interpolating between ranks as percentile_cont', () => {
    const values = [60_000, 60_000, 120_000, 3_600_000];
    expect(summarizeHistogram(histogramOf(values))).toEqual(summarize(values));
    expect(histogramPercentile(histogramOf(values), 0.5)).toBe(90_000);
    expect(histogramPercentile(histogramOf(values), 0.9)).toBe(percentile(values, 0.9));
  });

  it('works in the unit the values were kept in (minutes binned as milliseconds)', () => {
    const minutes = [1.5, 2, 2, 30];
    expect(summarizeHistogram(histogramOf(minutes, 60_000))).toEqual(summarize(minutes));
  });

  it('has nothing to say about an empty histogram', () => {
    expect(summarizeHistogram([])).toEqual({ count: 0, median: null, p90: null, mean: null });
    expect(histogramPercentile([], 0.5)).toBeNull();
  });
});
