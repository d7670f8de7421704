/**
 * How a sandbox publication performs: a pure function of the publication's external id and the
 * time since it was published. Each publication gets its own audience size, growth speed and
 * engagement rates from a hash of its id; every counter only grows as time passes.
 */
import { createHash } from 'node:crypto';
import type { MetricCounts } from '../../db/metrics';

const HOUR_MS = 3_600_000;

/** Uniform numbers in [0, 1) drawn from the id, stable across runs and machines. */
function traits(externalId: string): number[] {
  const digest = createHash('sha256').update(externalId).digest();
  const values: number[] = [];
  for (let offset = 0; offset + 4 <= 32; offset += 4) values.push(digest.readUInt32BE(offset) / 2 ** 32);
  return values;
}

export function sandboxMetrics(input: { externalId: string; elapsedMs: number }): MetricCounts {
  const [audience, speed, likeRate, commentRate, shareRate, saveRate, clickRate, impressionRatio] = traits(
    input.externalId,
  );
  const elapsedMs = Math.max(0, input.elapsedMs);
  // Reach approaches the audience size; half of it arrives within 2 to 14 hours.
  const halfLifeMs = (2 + speed * 12) * HOUR_MS;
  const reached = 1 - Math.pow(0.5, elapsedMs / halfLifeMs);
  const reach = Math.floor((500 + audience * 19_500) * reached);
  return {
    reach,
    impressions: Math.floor(reach * (1.2 + impressionRatio * 0.8)),
    likes: Math.floor(reach * (0.02 + likeRate * 0.06)),
    comments: Math.floor(reach * (0.001 + commentRate * 0.004)),
    shares: Math.floor(reach * (0.002 + shareRate * 0.008)),
    saves: Math.floor(reach * (0.001 + saveRate * 0.006)),
    clicks: Math.floor(reach * (0.005 + clickRate * 0.02)),
  };
}
