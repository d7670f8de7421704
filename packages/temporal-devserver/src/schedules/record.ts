/**
 * One schedule as the server holds it, and the views DescribeSchedule and ListSchedules give of it.
 */
import type { Msg } from '../protos';
import type { ExecutionStatus } from '../executionStatus';
import { STATUS_ENUM } from '../executionStatus';
import type { TimerHandle } from '../time';
import { msToDur, msToTs } from '../time';
import type { OverlapPolicy, PendingStart } from './overlap';
import type { CompiledSpec } from './spec';
import type { WireMemo, WireScheduleAction, WireSearchAttributes } from './wire';

/** Recent actions and future times a description shows, as a real server does. */
export const RECENT_ACTIONS_KEPT = 10;
export const FUTURE_TIMES_DESCRIBED = 10;
export const FUTURE_TIMES_LISTED = 5;
/** Most starts a schedule holds waiting; further ones are dropped and counted, as a real server does. */
export const MAX_BUFFERED_STARTS = 1000;

export interface ScheduleAction {
  scheduledTime: number;
  actualTime: number;
  workflowId: string;
  runId: string;
  status: ExecutionStatus;
}

export interface SchedulePolicies {
  overlap: OverlapPolicy;
  catchupWindowMs: number;
  pauseOnFailure: boolean;
  keepOriginalWorkflowId: boolean;
}

export interface ScheduleRecord {
  readonly namespace: string;
  readonly scheduleId: string;
  spec: CompiledSpec;
  action: WireScheduleAction;
  policies: SchedulePolicies;
  paused: boolean;
  notes: string;
  limitedActions: boolean;
  remainingActions: number;
  memo?: WireMemo;
  searchAttributes?: WireSearchAttributes;
  readonly createTime: number;
  updateTime?: number;
  conflictToken: number;
  actionCount: number;
  missedCatchupWindow: number;
  overlapSkipped: number;
  /** Starts dropped because the buffer was full. */
  bufferDropped: number;
  recentActions: ScheduleAction[];
  /** Workflows it started that have not closed: workflow id and the run id it started. */
  running: Array<{ workflowId: string; runId: string }>;
  /** Starts waiting for a running workflow to close. */
  buffer: PendingStart[];
  /** Spec times up to this instant have been acted on (or skipped). */
  processedUntil: number;
  timer?: TimerHandle;
  deleted: boolean;
}

/** The spec times still to come, bounded by the actions the schedule has left. */
export function futureActionTimes(record: ScheduleRecord, now: number, count: number): number[] {
  const limit = record.limitedActions ? Math.min(count, Math.max(0, record.remainingActions)) : count;
  return record.spec.timesBetween(Math.max(now, record.processedUntil), Number.MAX_SAFE_INTEGER, limit);
}

function actionResult(action: ScheduleAction): Msg {
  return {
    scheduleTime: msToTs(action.scheduledTime),
    actualTime: msToTs(action.actualTime),
    startWorkflowResult: { workflowId: action.workflowId, runId: action.runId },
    startWorkflowStatus: STATUS_ENUM[action.status],
  };
}

export function describeSchedule(record: ScheduleRecord, now: number): Msg {
  return {
    schedule: {
      spec: record.spec.toWire(),
      action: record.action,
      policies: {
        overlapPolicy: record.policies.overlap,
        catchupWindow: msToDur(record.policies.catchupWindowMs),
        pauseOnFailure: record.policies.pauseOnFailure,
        keepOriginalWorkflowId: record.policies.keepOriginalWorkflowId,
      },
      state: {
        notes: record.notes,
        paused: record.paused,
        limitedActions: record.limitedActions,
        remainingActions: record.limitedActions ? record.remainingActions : 0,
      },
    },
    info: {
      actionCount: record.actionCount,
      missedCatchupWindow: record.missedCatchupWindow,
      overlapSkipped: record.overlapSkipped,
      bufferDropped: record.bufferDropped,
      bufferSize: record.buffer.length,
      runningWorkflows: record.running.map((run) => ({ ...run })),
      recentActions: record.recentActions.map(actionResult),
      futureActionTimes: futureActionTimes(record, now, FUTURE_TIMES_DESCRIBED).map(msToTs),
      createTime: msToTs(record.createTime),
      updateTime: record.updateTime !== undefined ? msToTs(record.updateTime) : undefined,
    },
    memo: record.memo,
    searchAttributes: record.searchAttributes,
    conflictToken: Buffer.from(String(record.conflictToken)),
  };
}

export function listEntry(record: ScheduleRecord, now: number): Msg {
  return {
    scheduleId: record.scheduleId,
    memo: record.memo,
    searchAttributes: record.searchAttributes,
    info: {
      spec: record.spec.toWire(),
      workflowType: record.action.startWorkflow?.workflowType,
      notes: record.notes,
      paused: record.paused,
      recentActions: record.recentActions.slice(-FUTURE_TIMES_LISTED).map(actionResult),
      futureActionTimes: futureActionTimes(record, now, FUTURE_TIMES_LISTED).map(msToTs),
    },
  };
}
