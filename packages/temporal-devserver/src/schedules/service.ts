/**
 * The schedule RPCs of WorkflowService: create, describe, list, update, patch (pause, unpause,
 * trigger, backfill), delete and the matching times of a spec. Schedules live in memory per
 * namespace, are kept in the server's store as they change, and act through ScheduleRunner on the
 * server's clock.
 */
import { status } from '@grpc/grpc-js';
import type { ServerContext } from '../context';
import { ServiceError, failedPrecondition, invalidArgument, notFound, refuseUnstorableId } from '../errors';
import type { Namespace } from '../namespaces';
import type { Msg } from '../protos';
import { payloadValue, settableSearchAttributes, validateSearchAttributes } from '../searchAttributes';
import { durToMs, msToTs, tsToMs } from '../time';
import { VisibilityQueryError, compileVisibilityQuery, type VisibilityRecord } from '../visibility';
import { ScheduleSpecError } from './calendar';
import { overlapPolicyOr, type PendingStart } from './overlap';
import { describeSchedule, listEntry, type SchedulePolicies, type ScheduleRecord } from './record';
import { ScheduleRunner } from './runner';
import { CompiledSpec } from './spec';
import type { StoredSchedule } from '../store/store';
import type {
  CreateScheduleRequest,
  ListScheduleMatchingTimesRequest,
  ListSchedulesRequest,
  PatchScheduleRequest,
  ScheduleScoped,
  UpdateScheduleRequest,
  WireScheduleAction,
  WireSchedulePatch,
  WireSchedulePolicies,
  WireScheduleSpec,
  WireScheduleState,
  WireSearchAttributes,
} from './wire';

const YEAR_MS = 365 * 86_400_000;
/** The API's floor for a catch-up window. */
const MIN_CATCHUP_WINDOW_MS = 10_000;
/** Most spec times one backfill or one ListScheduleMatchingTimes may cover. */
const MAX_TIMES_PER_REQUEST = 10_000;

const key = (namespace: string, scheduleId: string): string => `${namespace}\u0000${scheduleId}`;

function compileSpec(wire: WireScheduleSpec | undefined): CompiledSpec {
  try {
    return CompiledSpec.compile(wire);
  } catch (err) {
    // The SDK turns this prefix into a TypeError carrying the rest of the message.
    if (err instanceof ScheduleSpecError) throw invalidArgument(`Invalid schedule spec: ${err.message}`);
    throw err;
  }
}

function policiesFrom(wire: WireSchedulePolicies | undefined): SchedulePolicies {
  const catchupWindowMs = durToMs(wire?.catchupWindow) || YEAR_MS;
  if (catchupWindowMs < MIN_CATCHUP_WINDOW_MS) throw invalidArgument('catchup_window must be at least 10 seconds');
  return {
    overlap: overlapPolicyOr(wire?.overlapPolicy, 'SCHEDULE_OVERLAP_POLICY_SKIP'),
    catchupWindowMs,
    pauseOnFailure: Boolean(wire?.pauseOnFailure),
    keepOriginalWorkflowId: Boolean(wire?.keepOriginalWorkflowId),
  };
}

export class Schedules {
  private readonly byKey = new Map<string, ScheduleRecord>();
  private readonly runner: ScheduleRunner;

  constructor(private readonly server: ServerContext) {
    this.runner = new ScheduleRunner(server);
  }

  private find(namespace: Namespace, scheduleId: string | undefined): ScheduleRecord {
    const record = this.byKey.get(key(namespace.name, scheduleId ?? ''));
    if (!record) throw notFound(`schedule "${scheduleId}" not found`);
    return record;
  }

  private validateAction(namespace: Namespace, action: WireScheduleAction | undefined): WireScheduleAction {
    const start = action?.startWorkflow;
    if (!start) throw invalidArgument('a schedule needs an action: start_workflow');
    if (!start.workflowId) throw invalidArgument('start_workflow.workflow_id is required');
    refuseUnstorableId(start.workflowId, 'start_workflow.workflow_id');
    if (!start.workflowType?.name) throw invalidArgument('start_workflow.workflow_type is required');
    if (!start.taskQueue?.name) throw invalidArgument('start_workflow.task_queue is required');
    if (start.cronSchedule) throw invalidArgument('start_workflow.cron_schedule is not allowed in a schedule');
    const badAttribute = validateSearchAttributes(namespace, start.searchAttributes);
    if (badAttribute) throw invalidArgument(badAttribute);
    return { startWorkflow: start };
  }

  private validateOwnAttributes(namespace: Namespace, searchAttributes: WireSearchAttributes | undefined): void {
    const badAttribute = validateSearchAttributes(namespace, searchAttributes);
    if (badAttribute) throw invalidArgument(badAttribute);
  }

  /** Applies the state part of a schedule (pause, notes, limited actions). */
  private applyState(record: ScheduleRecord, state: WireScheduleState | undefined): void {
    record.paused = Boolean(state?.paused);
    record.notes = state?.notes ?? '';
    record.limitedActions = Boolean(state?.limitedActions);
    record.remainingActions = record.limitedActions ? Number(state?.remainingActions ?? 0) : 0;
  }

  createSchedule(req: CreateScheduleRequest): Msg {
    const namespace = this.server.namespaces.get(req.namespace);
    if (!req.scheduleId) throw invalidArgument('schedule_id is required');
    refuseUnstorableId(req.scheduleId, 'schedule_id');
    if (this.byKey.has(key(namespace.name, req.scheduleId)))
      throw new ServiceError(status.ALREADY_EXISTS, `schedule "${req.scheduleId}" already exists`);
    const spec = compileSpec(req.schedule?.spec);
    const action = this.validateAction(namespace, req.schedule?.action);
    this.validateOwnAttributes(namespace, req.searchAttributes);
    const now = this.server.clock.now();
    const record: ScheduleRecord = {
      namespace: namespace.name,
      scheduleId: req.scheduleId,
      spec,
      action,
      policies: policiesFrom(req.schedule?.policies),
      paused: false,
      notes: '',
      limitedActions: false,
      remainingActions: 0,
      memo: req.memo,
      searchAttributes: req.searchAttributes,
      createTime: now,
      conflictToken: 1,
      actionCount: 0,
      missedCatchupWindow: 0,
      overlapSkipped: 0,
      bufferDropped: 0,
      recentActions: [],
      running: [],
      buffer: [],
      processedUntil: now,
      deleted: false,
    };
    this.applyState(record, req.schedule?.state);
    this.byKey.set(key(namespace.name, record.scheduleId), record);
    if (req.initialPatch) this.applyPatch(record, req.initialPatch);
    this.runner.changed(record);
    return { conflictToken: Buffer.from(String(record.conflictToken)) };
  }

  /** Takes up the schedules a store kept, once the runs they started are back. */
  restore(stored: StoredSchedule[]): void {
    for (const schedule of stored) {
      const record: ScheduleRecord = {
        ...schedule,
        bufferDropped: schedule.bufferDropped ?? 0,
        spec: CompiledSpec.compile(schedule.spec),
        deleted: false,
      };
      this.byKey.set(key(record.namespace, record.scheduleId), record);
      this.runner.resume(record);
    }
  }

  describeSchedule(req: ScheduleScoped): Msg {
    const record = this.find(this.server.namespaces.get(req.namespace), req.scheduleId);
    return describeSchedule(record, this.server.clock.now());
  }

  updateSchedule(req: UpdateScheduleRequest): Msg {
    const namespace = this.server.namespaces.get(req.namespace);
    const record = this.find(namespace, req.scheduleId);
    if (req.conflictToken?.length && Buffer.from(req.conflictToken).toString() !== String(record.conflictToken))
      throw failedPrecondition('the schedule changed since the conflict token was read');
    const spec = compileSpec(req.schedule?.spec);
    const action = this.validateAction(namespace, req.schedule?.action);
    const policies = policiesFrom(req.schedule?.policies);
    if (req.searchAttributes) this.validateOwnAttributes(namespace, req.searchAttributes);
    record.spec = spec;
    record.action = action;
    record.policies = policies;
    this.applyState(record, req.schedule?.state);
    if (req.searchAttributes) record.searchAttributes = req.searchAttributes;
    if (req.memo) record.memo = req.memo;
    const now = this.server.clock.now();
    record.updateTime = now;
    // The new spec takes effect from now: times it would have matched earlier are not made up.
    record.processedUntil = Math.max(record.processedUntil, now);
    record.conflictToken++;
    this.runner.changed(record);
    return {};
  }

  patchSchedule(req: PatchScheduleRequest): Msg {
    const record = this.find(this.server.namespaces.get(req.namespace), req.scheduleId);
    this.applyPatch(record, req.patch ?? {});
    record.conflictToken++;
    this.runner.changed(record);
    return {};
  }

  private applyPatch(record: ScheduleRecord, patch: WireSchedulePatch): void {
    const now = this.server.clock.now();
    if (patch.pause) {
      record.paused = true;
      record.notes = patch.pause;
    }
    if (patch.unpause) {
      record.paused = false;
      record.notes = patch.unpause;
      // Times that passed while paused are not made up.
      record.processedUntil = Math.max(record.processedUntil, now);
    }
    const starts: PendingStart[] = [];
    if (patch.triggerImmediately) {
      starts.push({
        scheduledTime: tsToMs(patch.triggerImmediately.scheduledTime) ?? now,
        overlap: overlapPolicyOr(patch.triggerImmediately.overlapPolicy, record.policies.overlap),
        manual: true,
      });
    }
    for (const backfill of patch.backfillRequest ?? []) {
      const from = tsToMs(backfill.startTime);
      const to = tsToMs(backfill.endTime);
      if (from === undefined || to === undefined || to < from)
        throw invalidArgument('a backfill needs a start time before its end time');
      const overlap = overlapPolicyOr(backfill.overlapPolicy, record.policies.overlap);
      for (const scheduledTime of record.spec.timesBetween(from, to, MAX_TIMES_PER_REQUEST))
        starts.push({ scheduledTime, overlap, manual: true });
    }
    if (starts.length) this.runner.enqueue(record, starts);
  }

  deleteSchedule(req: ScheduleScoped): Msg {
    const record = this.find(this.server.namespaces.get(req.namespace), req.scheduleId);
    record.deleted = true;
    record.timer?.cancel();
    this.byKey.delete(key(record.namespace, record.scheduleId));
    this.server.store.deleteSchedule(record);
    return {};
  }

  listScheduleMatchingTimes(req: ListScheduleMatchingTimesRequest): Msg {
    const record = this.find(this.server.namespaces.get(req.namespace), req.scheduleId);
    const from = tsToMs(req.startTime);
    const to = tsToMs(req.endTime);
    if (from === undefined || to === undefined || to < from)
      throw invalidArgument('start_time and end_time are required, start first');
    // The API's range includes its start; the spec answers times after an instant.
    return { startTime: record.spec.timesBetween(from - 1, to, MAX_TIMES_PER_REQUEST).map(msToTs) };
  }

  listSchedules(req: ListSchedulesRequest): Msg {
    const records = this.matching(req.namespace, req.query).sort((a, b) =>
      a.scheduleId < b.scheduleId ? -1 : a.scheduleId > b.scheduleId ? 1 : 0,
    );
    const offset = req.nextPageToken?.length ? Number(Buffer.from(req.nextPageToken).toString()) : 0;
    const pageSize = req.maximumPageSize && req.maximumPageSize > 0 ? req.maximumPageSize : 1000;
    const page = records.slice(offset, offset + pageSize);
    const next = offset + page.length;
    const now = this.server.clock.now();
    return {
      schedules: page.map((record) => listEntry(record, now)),
      nextPageToken: next < records.length ? Buffer.from(String(next)) : undefined,
    };
  }

  countSchedules(req: ListSchedulesRequest): Msg {
    return { count: this.matching(req.namespace, req.query).length };
  }

  /** The namespace's schedules that a list filter selects (ORDER BY is ignored: they list by id). */
  private matching(namespaceName: string | undefined, query: string | undefined): ScheduleRecord[] {
    const namespace = this.server.namespaces.get(namespaceName);
    let matches: (record: VisibilityRecord) => boolean = () => true;
    if (query) {
      try {
        const compiled = compileVisibilityQuery(query, {
          ...settableSearchAttributes(namespace),
          ScheduleId: 'Keyword',
        });
        if (compiled.groupBy.length) throw invalidArgument('invalid query: GROUP BY is not supported for schedules');
        matches = compiled.matches;
      } catch (err) {
        if (err instanceof VisibilityQueryError) throw invalidArgument(`invalid query: ${err.message}`);
        throw err;
      }
    }
    return [...this.byKey.values()].filter(
      (record) => record.namespace === namespace.name && matches(this.visibilityRecord(record)),
    );
  }

  /** What a list filter sees of a schedule: its id, its workflow type and its search attributes. */
  private visibilityRecord(record: ScheduleRecord): VisibilityRecord {
    const searchAttributes: Record<string, unknown> = {
      ScheduleId: record.scheduleId,
      TemporalSchedulePaused: record.paused,
    };
    for (const [name, payload] of Object.entries(record.searchAttributes?.indexedFields ?? {}))
      searchAttributes[name] = payloadValue(payload);
    return {
      workflowId: record.scheduleId,
      runId: '',
      workflowType: record.action.startWorkflow?.workflowType?.name ?? '',
      executionStatus: 'Running',
      taskQueue: record.action.startWorkflow?.taskQueue?.name ?? '',
      startTime: record.createTime,
      executionTime: record.createTime,
      searchAttributes,
    };
  }
}
