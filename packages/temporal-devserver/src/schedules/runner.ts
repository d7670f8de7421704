/**
 * Takes schedules' actions on the server's virtual clock: wakes each schedule at its next spec
 * time, applies the catch-up window, remaining actions and overlap policy, starts the workflow
 * (id suffixed with the scheduled time, marked with the scheduled-by search attributes) and
 * follows it to its close to release buffered starts or pause on failure. Every change it makes
 * is staged in the store.
 */
import { randomUUID } from 'node:crypto';
import type { ServerContext } from '../context';
import { ServiceError } from '../errors';
import type { Execution } from '../execution';
import type { Payload } from '../wire';
import { resolveOverlap, type PendingStart } from './overlap';
import { MAX_BUFFERED_STARTS, RECENT_ACTIONS_KEPT, type ScheduleRecord } from './record';

/** RFC 3339 with whole seconds, the suffix a real server gives a scheduled workflow's id. */
export const scheduledTimeSuffix = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const jsonPayload = (value: unknown): Payload => ({
  metadata: { encoding: Buffer.from('json/plain') },
  data: Buffer.from(JSON.stringify(value)),
});

export class ScheduleRunner {
  constructor(private readonly server: ServerContext) {}

  /** Re-arms the schedule after a change and stages its new state in the store. */
  changed(record: ScheduleRecord): void {
    this.arm(record);
    this.server.store.saveSchedule(record);
  }

  /**
   * Takes up a schedule the store kept, as after a restart: follows the workflows it started that
   * still run, starts what was buffered behind those that are gone, and re-arms its timer; times
   * that came due while the server was down are then handled as a late wake-up handles them.
   */
  resume(record: ScheduleRecord): void {
    for (const { workflowId, runId } of [...record.running]) {
      // The chain goes on in an open run (a retry or a continuation of the one started), or it closed.
      const open = this.server.runs.latestOpen(record.namespace, workflowId);
      if (open?.firstExecutionRunId === runId) this.followToClose(record, workflowId, runId, open);
      else void this.resumeClosed(record, runId).catch(() => undefined);
    }
    if (!record.running.length) this.processBuffer(record);
    this.changed(record);
  }

  /** A chain that closed while the server was down: the store tells how its last run closed. */
  private async resumeClosed(record: ScheduleRecord, runId: string): Promise<void> {
    let last = await this.server.runs.summary(record.namespace, runId);
    while (last?.newRunIdOnClose) {
      const next = await this.server.runs.summary(record.namespace, last.newRunIdOnClose);
      if (!next) break;
      last = next;
    }
    if (last) {
      this.closed(record, runId, last);
      return;
    }
    // Deleted by retention: it closed long ago.
    record.running = record.running.filter((running) => running.runId !== runId);
    if (!record.running.length) this.processBuffer(record);
    this.changed(record);
  }

  /** Sets the timer for the schedule's next spec time, if it may still act on its own. */
  private arm(record: ScheduleRecord): void {
    record.timer?.cancel();
    record.timer = undefined;
    if (record.deleted || record.paused || (record.limitedActions && record.remainingActions <= 0)) return;
    const next = record.spec.nextAfter(record.processedUntil);
    if (next === undefined) return;
    record.timer = this.server.clock.schedule(next, () => this.wake(record));
  }

  /** Queues the spec times that have come since the schedule last looked, then acts on them. */
  wake(record: ScheduleRecord): void {
    if (record.deleted) return;
    const now = this.server.clock.now();
    if (!record.paused) {
      let waitingSpecStarts = record.buffer.filter((start) => !start.manual).length;
      for (let at = record.spec.nextAfter(record.processedUntil); at !== undefined && at <= now;) {
        if (record.limitedActions && record.remainingActions - waitingSpecStarts <= 0) break;
        if (now - at > record.policies.catchupWindowMs) record.missedCatchupWindow++;
        else if (this.buffer(record, { scheduledTime: at, overlap: record.policies.overlap, manual: false }))
          waitingSpecStarts++;
        at = record.spec.nextAfter(at);
      }
    }
    record.processedUntil = Math.max(record.processedUntil, now);
    this.processBuffer(record);
    this.changed(record);
  }

  /** Adds starts asked for by trigger or backfill and acts on them at once. */
  enqueue(record: ScheduleRecord, starts: PendingStart[]): void {
    for (const start of starts) this.buffer(record, start);
    this.processBuffer(record);
  }

  /** Adds a start to wait its turn, unless the buffer is full: then it is dropped and counted. */
  private buffer(record: ScheduleRecord, start: PendingStart): boolean {
    if (record.buffer.length >= MAX_BUFFERED_STARTS) {
      record.bufferDropped++;
      return false;
    }
    record.buffer.push(start);
    return true;
  }

  private processBuffer(record: ScheduleRecord): void {
    if (record.deleted || !record.buffer.length) return;
    const outcome = resolveOverlap(record.buffer, record.running.length > 0);
    record.buffer = outcome.keep;
    record.overlapSkipped += outcome.skipped;
    for (const start of outcome.startNow) this.startWorkflow(record, start);
    if (outcome.cancelRunning || outcome.terminateRunning) {
      for (const { workflowId } of record.running) {
        const run = this.server.runs.latestOpen(record.namespace, workflowId);
        if (!run) continue;
        if (outcome.terminateRunning)
          this.server.runClose.terminate(run, 'terminated by its schedule (overlap policy TERMINATE_OTHER)', undefined);
        else this.server.runClose.requestCancel(run, 'cancelled by its schedule (overlap policy CANCEL_OTHER)');
      }
    }
  }

  private startWorkflow(record: ScheduleRecord, start: PendingStart): void {
    // Every stored schedule has passed validation, which requires a start_workflow action.
    const info = record.action.startWorkflow!;
    const workflowId = record.policies.keepOriginalWorkflowId
      ? (info.workflowId as string)
      : `${info.workflowId}-${scheduledTimeSuffix(start.scheduledTime)}`;
    const request = {
      namespace: record.namespace,
      workflowId,
      workflowType: info.workflowType,
      taskQueue: info.taskQueue,
      input: info.input,
      workflowExecutionTimeout: info.workflowExecutionTimeout,
      workflowRunTimeout: info.workflowRunTimeout,
      workflowTaskTimeout: info.workflowTaskTimeout,
      retryPolicy: info.retryPolicy,
      memo: info.memo,
      header: info.header,
      priority: info.priority,
      identity: `temporal-scheduler-${record.scheduleId}`,
      requestId: randomUUID(),
      workflowIdReusePolicy: 'WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE' as const,
      searchAttributes: {
        indexedFields: {
          ...(info.searchAttributes?.indexedFields ?? {}),
          TemporalScheduledStartTime: jsonPayload(new Date(start.scheduledTime).toISOString()),
          TemporalScheduledById: jsonPayload(record.scheduleId),
        },
      },
    };
    let runId: string;
    try {
      runId = this.server.runStart.startFresh(request).runId as string;
    } catch (err) {
      // A start the server refuses (the id is still running…) is not an action taken; a real
      // scheduler records it only in its own logs.
      if (err instanceof ServiceError) return;
      throw err;
    }
    record.actionCount++;
    if (!start.manual && record.limitedActions) record.remainingActions = Math.max(0, record.remainingActions - 1);
    record.recentActions.push({
      scheduledTime: start.scheduledTime,
      actualTime: this.server.clock.now(),
      workflowId,
      runId,
      status: 'Running',
    });
    if (record.recentActions.length > RECENT_ACTIONS_KEPT) record.recentActions.shift();
    record.running.push({ workflowId, runId });
    const run = this.server.runs.byRunId(record.namespace, runId);
    if (run) this.followToClose(record, workflowId, runId, run);
  }

  /** Follows a started workflow through retries and continue-as-new until its chain closes. */
  private followToClose(record: ScheduleRecord, workflowId: string, firstRunId: string, run: Execution): void {
    const check = (): void => {
      if (run.isRunning) {
        run.onChange(check);
        return;
      }
      const next = run.newRunIdOnClose && this.server.runs.byRunId(record.namespace, run.newRunIdOnClose);
      if (next) {
        this.followToClose(record, workflowId, firstRunId, next);
        return;
      }
      // Closing happens inside another call's handling; act once it is done.
      queueMicrotask(() => this.closed(record, firstRunId, run));
    };
    check();
  }

  private closed(record: ScheduleRecord, firstRunId: string, lastRun: Pick<Execution, 'workflowId' | 'status'>): void {
    record.running = record.running.filter((running) => running.runId !== firstRunId);
    const action = record.recentActions.find((recent) => recent.runId === firstRunId);
    if (action) action.status = lastRun.status;
    if (record.deleted) return;
    if (record.policies.pauseOnFailure && (lastRun.status === 'Failed' || lastRun.status === 'TimedOut')) {
      record.paused = true;
      record.notes = `paused because workflow ${lastRun.workflowId} ${lastRun.status === 'Failed' ? 'failed' : 'timed out'}`;
    }
    this.processBuffer(record);
    this.changed(record);
  }
}
