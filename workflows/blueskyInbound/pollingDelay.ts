/**
 * How long the poller waits between reads: soon after a read that brought messages (a
 * conversation is under way), twice as long after each quiet read up to a cap, and likewise
 * after failed reads up to a longer cap, so a platform that is down is not hammered.
 */
export const POLL_INTERVALS = {
  activeMs: 30_000,
  quietCapMs: 10 * 60_000,
  failingCapMs: 30 * 60_000,
} as const;

export function nextPollDelayMs({ quietPolls, failedPolls }: { quietPolls: number; failedPolls: number }): number {
  const { activeMs, quietCapMs, failingCapMs } = POLL_INTERVALS;
  const backedOff = (times: number, capMs: number) => Math.min(activeMs * 2 ** Math.min(times, 20), capMs);
  return Math.max(backedOff(quietPolls, quietCapMs), failedPolls > 0 ? backedOff(failedPolls, failingCapMs) : 0);
}
