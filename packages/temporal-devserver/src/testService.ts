/** temporal.api.testservice.v1.TestService: control of the virtual clock for tests. */
import type { Msg } from './protos';
import type { SleepRequest, SleepUntilRequest } from './wire';
import type { VirtualClock } from './time';
import { durToMs, msToTs, tsToMs } from './time';
import { failedPrecondition } from './errors';

export class TestService {
  constructor(private readonly clock: VirtualClock) {}

  lockTimeSkipping(): Msg {
    this.clock.lock();
    return {};
  }

  unlockTimeSkipping(): Msg {
    if (!this.clock.locked)
      throw failedPrecondition('time skipping is already unlocked: unbalanced UnlockTimeSkipping');
    this.clock.unlock();
    return {};
  }

  private until(at: number): Promise<Msg> {
    return new Promise((resolve) => this.clock.schedule(at, () => resolve({})));
  }

  sleep(req: SleepRequest): Promise<Msg> {
    return this.until(this.clock.now() + (durToMs(req.duration) ?? 0));
  }

  sleepUntil(req: SleepUntilRequest): Promise<Msg> {
    return this.until(tsToMs(req.timestamp) ?? this.clock.now());
  }

  async unlockTimeSkippingWithSleep(req: SleepRequest): Promise<Msg> {
    if (!this.clock.locked)
      throw failedPrecondition('time skipping is already unlocked: unbalanced UnlockTimeSkipping');
    const done = this.until(this.clock.now() + (durToMs(req.duration) ?? 0));
    this.clock.unlock();
    try {
      return await done;
    } finally {
      this.clock.lock();
    }
  }

  getCurrentTime(): Msg {
    return { time: msToTs(this.clock.now()) };
  }
}
