/**
 * Deletes closed runs and their histories, here and in the store, once their namespace's retention
 * period has passed since they closed (in real time: skipped virtual time does not age a run). One
 * timer per namespace, for its run due first; the store tells which that is, so nothing is kept
 * per closed run.
 */
import type { Execution } from './execution';
import type { ServerContext } from './context';
import type { Namespace } from './namespaces';

/** After a deletion, the next one in the namespace waits at least this long, so that closes spread over time are deleted in batches. */
const MIN_SWEEP_INTERVAL_MS = 1000;

export class Retention {
  /** Each namespace's next deletion. */
  private readonly next = new Map<string, { due: number; timer: NodeJS.Timeout }>();

  constructor(private readonly server: ServerContext) {}

  /** A run closed: its namespace's next deletion comes no later than the run's period after. */
  schedule(closed: Pick<Execution, 'namespace' | 'closeTime'>): void {
    const namespace = this.server.namespaces.byName.get(closed.namespace);
    if (!namespace || closed.closeTime === undefined) return;
    this.arm(namespace.name, closed.closeTime + namespace.retentionMs);
  }

  /** On start: each namespace's next deletion, from the closed runs the store keeps. */
  start(): void {
    for (const name of this.server.namespaces.byName.keys()) void this.rearm(name, 0);
  }

  /** The namespace's period changed: its closed runs fall due by the new one. */
  retentionChanged(namespace: Namespace): void {
    clearTimeout(this.next.get(namespace.name)?.timer);
    this.next.delete(namespace.name);
    void this.rearm(namespace.name, 0);
  }

  private async rearm(name: string, notBefore: number): Promise<void> {
    const earliest = await this.server.store.earliestClose(name).catch(() => undefined);
    const namespace = this.server.namespaces.byName.get(name);
    if (earliest !== undefined && namespace) this.arm(name, Math.max(earliest + namespace.retentionMs, notBefore));
  }

  private arm(name: string, due: number): void {
    const current = this.next.get(name);
    if (current && current.due <= due) return;
    clearTimeout(current?.timer);
    const delay = Math.min(2 ** 31 - 1, Math.max(0, due - this.server.clock.now()));
    const timer = setTimeout(() => void this.expire(name), delay);
    timer.unref();
    this.next.set(name, { due, timer });
  }

  private async expire(name: string): Promise<void> {
    this.next.delete(name);
    const namespace = this.server.namespaces.byName.get(name);
    if (this.server.taskQueues.stopped || !namespace) return;
    const now = this.server.clock.now();
    // Due when closeTime + retention <= now.
    const before = now - namespace.retentionMs + 1;
    for (const run of this.server.runs.closedBefore(name, before)) this.server.runs.remove(run);
    try {
      await this.server.store.deleteClosedBefore(name, before);
    } catch {
      // The store is down: the server reloads once it is back, and deletes then.
      return;
    }
    await this.rearm(name, now + MIN_SWEEP_INTERVAL_MS);
  }
}
