/**
 * Task queues: tasks wait for pollers and pollers long-poll for tasks. A task handed to a
 * poller whose call has already gone away is offered again, so nothing is lost to a worker
 * that shut down mid-poll.
 */
import type { CallContext } from './grpcServer';

interface Waiter<T> {
  resolve(task: T | undefined): void;
  context: CallContext;
}

export class TaskQueue<T> {
  private readonly tasks: T[] = [];
  private readonly waiters: Waiter<T>[] = [];

  get backlog(): number {
    return this.tasks.length;
  }

  offer(task: T): void {
    while (this.waiters.length) {
      const waiter = this.waiters.shift()!;
      if (waiter.context.isCancelled()) continue;
      waiter.resolve(task);
      return;
    }
    this.tasks.push(task);
  }

  /** Removes queued tasks the predicate rejects (e.g. tasks of a closed workflow). */
  prune(keep: (task: T) => boolean): void {
    for (let i = this.tasks.length - 1; i >= 0; i--) if (!keep(this.tasks[i])) this.tasks.splice(i, 1);
  }

  /** Waits for a task, up to `timeoutMs` of real time; undefined means "poll again". */
  poll(context: CallContext, timeoutMs: number, isValid: (task: T) => boolean): Promise<T | undefined> {
    while (this.tasks.length) {
      const task = this.tasks.shift()!;
      if (isValid(task)) return Promise.resolve(task);
    }
    return new Promise<T | undefined>((resolve) => {
      let settled = false;
      const finish = (task: T | undefined): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(task);
      };
      const waiter: Waiter<T> = {
        context,
        resolve: (task) => {
          if (task !== undefined && !isValid(task)) {
            // Stale by now: keep waiting for a real one.
            this.waiters.push(waiter);
            return;
          }
          finish(task);
        },
      };
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      void context.cancelled.then(() => finish(undefined));
      this.waiters.push(waiter);
    });
  }

  /** Answers every waiting poller with "no task" (server shutdown). */
  releaseAll(): void {
    for (const waiter of this.waiters.splice(0)) waiter.resolve(undefined);
  }
}
