/**
 * Deletes closed runs and their histories, here and in the store, once their namespace's retention
 * period has passed since they closed (in real time: skipped virtual time does not age a run). One
 * timer for the run due first, rather than one per closed run: a day's closed runs are waiting.
 */
import type { Execution } from './execution';
import type { ServerContext } from './context';
import type { Namespace } from './namespaces';

interface Expiry {
  due: number;
  namespace: string;
  runId: string;
  closeTime: number;
}

export class Retention {
  /** A binary min-heap on `due`. */
  private readonly queue: Expiry[] = [];
  private timer?: NodeJS.Timeout;
  private timerDue = Infinity;

  constructor(private readonly server: ServerContext) {}

  schedule(closed: Pick<Execution, 'namespace' | 'runId' | 'closeTime'>): void {
    const namespace = this.server.namespaces.byName.get(closed.namespace);
    if (!namespace || closed.closeTime === undefined) return;
    const { namespace: name, runId, closeTime } = closed;
    this.push({ due: closeTime + namespace.retentionMs, namespace: name, runId, closeTime });
    this.arm();
  }

  /** The namespace's period changed: its closed runs fall due by the new one. */
  retentionChanged(namespace: Namespace): void {
    const queue = this.queue.map((expiry) =>
      expiry.namespace === namespace.name ? { ...expiry, due: expiry.closeTime + namespace.retentionMs } : expiry,
    );
    // Sorted by due, an array is a heap.
    queue.sort((a, b) => a.due - b.due);
    this.queue.length = 0;
    for (const expiry of queue) this.queue.push(expiry);
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDue = Infinity;
    this.arm();
  }

  private arm(): void {
    const next = this.queue[0];
    if (!next || next.due >= this.timerDue) return;
    clearTimeout(this.timer);
    this.timerDue = next.due;
    const delay = Math.min(2 ** 31 - 1, Math.max(0, next.due - this.server.clock.now()));
    this.timer = setTimeout(() => this.expire(), delay);
    this.timer.unref();
  }

  private expire(): void {
    this.timer = undefined;
    this.timerDue = Infinity;
    if (this.server.taskQueues.stopped) return;
    const now = this.server.clock.now();
    while (this.queue.length && this.queue[0].due <= now) {
      const expiry = this.pop();
      const run = this.server.runs.summary(expiry.namespace, expiry.runId);
      // Deleted meanwhile, or a run of that id that closed again (reset by a restart): not this one.
      if (run?.closeTime === expiry.closeTime) this.server.runs.remove(run);
    }
    this.arm();
  }

  private push(expiry: Expiry): void {
    const queue = this.queue;
    let i = queue.push(expiry) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (queue[parent].due <= expiry.due) break;
      queue[i] = queue[parent];
      i = parent;
    }
    queue[i] = expiry;
  }

  private pop(): Expiry {
    const queue = this.queue;
    const top = queue[0];
    const last = queue.pop()!;
    if (queue.length) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= queue.length) break;
        const child = left + 1 < queue.length && queue[left + 1].due < queue[left].due ? left + 1 : left;
        if (queue[child].due >= last.due) break;
        queue[i] = queue[child];
        i = child;
      }
      queue[i] = last;
    }
    return top;
  }
}
