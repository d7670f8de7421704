/** Durable timers of a run, on the virtual clock. */
import type { CancelTimerAttributes, StartTimerAttributes } from './wire';
import type { Execution } from './execution';
import { durToMs } from './time';
import type { ServerContext } from './context';

export class Timers {
  constructor(private readonly server: ServerContext) {}

  start(run: Execution, attrs: StartTimerAttributes, completedEventId: number): void {
    const startedEventId = this.server.history.append(run, {
      kind: 'TimerStarted',
      attributes: {
        timerId: attrs.timerId,
        startToFireTimeout: attrs.startToFireTimeout,
        workflowTaskCompletedEventId: completedEventId,
      },
    });
    this.arm(
      run,
      attrs.timerId!,
      startedEventId,
      this.server.clock.now() + Math.max(0, durToMs(attrs.startToFireTimeout) ?? 0),
    );
  }

  /** Sets a started timer to fire at `at`: when it starts, or again after a restart (at once if overdue). */
  arm(run: Execution, timerId: string, startedEventId: number, at: number): void {
    const handle = this.server.clock.schedule(at, () => {
      if (run.timers.get(timerId)?.handle !== handle) return;
      run.timers.delete(timerId);
      this.server.history.add(run, { kind: 'TimerFired', attributes: { timerId, startedEventId } }, true);
    });
    run.timers.set(timerId, { startedEventId, handle });
  }

  /**
   * A timer that fired while the workflow task was at its worker is still cancelled: as on a real
   * server, its firing leaves the buffer and the cancellation is written, which is what the worker
   * that sent the command expects to find in history.
   */
  cancel(run: Execution, attrs: CancelTimerAttributes, completedEventId: number): void {
    const timer = run.timers.get(attrs.timerId!) ?? this.takeBufferedFiring(run, attrs.timerId!);
    if (!timer) return;
    timer.handle?.cancel();
    run.timers.delete(attrs.timerId!);
    this.server.history.append(run, {
      kind: 'TimerCanceled',
      attributes: {
        timerId: attrs.timerId,
        startedEventId: timer.startedEventId,
        workflowTaskCompletedEventId: completedEventId,
      },
    });
  }

  /** Where the timer's firing waits behind the workflow task at its worker, or -1. */
  bufferedFiring(run: Execution, timerId: string): number {
    return run.buffered.findIndex((draft) => draft.kind === 'TimerFired' && draft.attributes.timerId === timerId);
  }

  private takeBufferedFiring(
    run: Execution,
    timerId: string,
  ): { startedEventId: number; handle?: undefined } | undefined {
    const at = this.bufferedFiring(run, timerId);
    if (at < 0) return undefined;
    const [fired] = run.buffered.splice(at, 1);
    if (run.buffered.length === 0) run.bufferedWake = false;
    return { startedEventId: fired.attributes.startedEventId as number };
  }
}
