/**
 * The server's virtual clock. Virtual time runs at the real pace and, in time-skipping mode,
 * jumps straight to the next due timer whenever nothing is being worked on and no client holds
 * a time-skipping lock — which is how a 30-day timer fires in milliseconds under test.
 */
import type { WireTime } from './wire';

export const tsToMs = (ts: WireTime | null | undefined): number | undefined =>
  ts ? Number(ts.seconds ?? 0) * 1000 + Math.floor(Number(ts.nanos ?? 0) / 1e6) : undefined;
export const msToTs = (ms: number): WireTime => ({
  seconds: Math.floor(ms / 1000),
  nanos: Math.round(ms % 1000) * 1e6,
});
export const durToMs = tsToMs;
export const msToDur = msToTs;
/** A duration from a request, or the fallback when it is absent or zero (zero means "not set"). */
export const durationOr = (value: WireTime | undefined, fallback: number | undefined): number | undefined => {
  const ms = durToMs(value);
  return ms && ms > 0 ? ms : fallback;
};

interface ScheduledTimer {
  at: number;
  seq: number;
  fire: () => void;
  cancelled: boolean;
}

export interface TimerHandle {
  cancel(): void;
}

const MAX_REAL_DELAY = 2 ** 31 - 1;

export class VirtualClock {
  private offsetMs = 0;
  private seq = 0;
  private readonly timers: ScheduledTimer[] = [];
  private realTimer: NodeJS.Timeout | undefined;
  private lockCount: number;
  private evaluating = false;
  private stopped = false;

  /**
   * @param timeSkipping whether the clock may jump forward at all
   * @param isBusy tells whether workflow or activity work is outstanding (which holds time still)
   */
  constructor(
    readonly timeSkipping: boolean,
    private readonly isBusy: () => boolean,
  ) {
    // A test server starts locked; clients unlock while they wait for results.
    this.lockCount = timeSkipping ? 1 : 0;
  }

  now(): number {
    return Date.now() + this.offsetMs;
  }

  schedule(at: number, fire: () => void): TimerHandle {
    const timer: ScheduledTimer = { at, seq: this.seq++, fire, cancelled: false };
    // Timers are few per run; a sorted insert keeps firing order (time, then creation) exact.
    let i = this.timers.length;
    while (
      i > 0 &&
      (this.timers[i - 1].at > at || (this.timers[i - 1].at === at && this.timers[i - 1].seq > timer.seq))
    )
      i--;
    this.timers.splice(i, 0, timer);
    this.poke();
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  scheduleAfter(delayMs: number, fire: () => void): TimerHandle {
    return this.schedule(this.now() + Math.max(0, delayMs), fire);
  }

  lock(): void {
    this.lockCount++;
  }

  unlock(): void {
    if (this.lockCount === 0) throw new Error('time skipping is not locked: unbalanced UnlockTimeSkipping');
    this.lockCount--;
    this.poke();
  }

  get locked(): boolean {
    return this.lockCount > 0;
  }

  /** Re-evaluates due timers and whether time may skip; call after any state change. */
  poke(): void {
    if (this.evaluating || this.stopped) return;
    this.evaluating = true;
    setImmediate(() => {
      this.evaluating = false;
      this.run();
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.realTimer) clearTimeout(this.realTimer);
  }

  private run(): void {
    if (this.stopped) return;
    if (this.realTimer) {
      clearTimeout(this.realTimer);
      this.realTimer = undefined;
    }
    this.fireDue();
    const next = this.nextTimer();
    if (!next) return;
    if (this.timeSkipping && this.lockCount === 0 && !this.isBusy()) {
      const gap = next.at - this.now();
      if (gap > 0) this.offsetMs += gap;
      this.fireDue();
      // Firing usually creates work; look again once it has been handed out.
      this.poke();
      return;
    }
    const delay = Math.min(MAX_REAL_DELAY, Math.max(0, next.at - this.now()));
    this.realTimer = setTimeout(() => this.run(), delay);
  }

  private nextTimer(): ScheduledTimer | undefined {
    while (this.timers.length && this.timers[0].cancelled) this.timers.shift();
    return this.timers[0];
  }

  private fireDue(): void {
    const now = this.now();
    for (;;) {
      const next = this.nextTimer();
      if (!next || next.at > now) return;
      this.timers.shift();
      next.fire();
    }
  }
}
