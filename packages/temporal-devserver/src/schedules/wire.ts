/**
 * The decoded shapes of the schedule messages (temporal.api.schedule.v1 and the schedule RPCs),
 * narrowed to the fields the schedule service reads; as in ../wire.ts, any field may be absent.
 */
import type { Msg } from '../protos';
import type { NamespaceScoped, Payload, StartWorkflowExecutionRequest, WireTime } from '../wire';

export interface WireRange {
  start?: number;
  end?: number;
  step?: number;
}

export interface WireStructuredCalendar {
  second?: WireRange[];
  minute?: WireRange[];
  hour?: WireRange[];
  dayOfMonth?: WireRange[];
  month?: WireRange[];
  year?: WireRange[];
  dayOfWeek?: WireRange[];
  comment?: string;
}

/** CalendarSpec: each field an expression such as `*`, `9`, `1-5` or `mon,wed`. */
export interface WireCalendarSpec {
  second?: string;
  minute?: string;
  hour?: string;
  dayOfMonth?: string;
  month?: string;
  year?: string;
  dayOfWeek?: string;
  comment?: string;
}

export interface WireIntervalSpec {
  interval?: WireTime;
  phase?: WireTime;
}

export interface WireScheduleSpec {
  structuredCalendar?: WireStructuredCalendar[];
  calendar?: WireCalendarSpec[];
  cronString?: string[];
  interval?: WireIntervalSpec[];
  excludeCalendar?: WireCalendarSpec[];
  excludeStructuredCalendar?: WireStructuredCalendar[];
  startTime?: WireTime;
  endTime?: WireTime;
  jitter?: WireTime;
  timezoneName?: string;
  timezoneData?: Buffer;
}

export interface WireSchedulePolicies {
  overlapPolicy?: string;
  catchupWindow?: WireTime;
  pauseOnFailure?: boolean;
  keepOriginalWorkflowId?: boolean;
}

export interface WireScheduleState {
  notes?: string;
  paused?: boolean;
  limitedActions?: boolean;
  remainingActions?: number;
}

/** temporal.api.workflow.v1.NewWorkflowExecutionInfo: a start request without its namespace. */
export type NewWorkflowExecutionInfo = Omit<StartWorkflowExecutionRequest, 'namespace'> & { userMetadata?: Msg };

export interface WireScheduleAction {
  startWorkflow?: NewWorkflowExecutionInfo;
}

export interface WireSchedule {
  spec?: WireScheduleSpec;
  action?: WireScheduleAction;
  policies?: WireSchedulePolicies;
  state?: WireScheduleState;
}

export interface WireSchedulePatch {
  triggerImmediately?: { overlapPolicy?: string; scheduledTime?: WireTime };
  backfillRequest?: Array<{ startTime?: WireTime; endTime?: WireTime; overlapPolicy?: string }>;
  pause?: string;
  unpause?: string;
}

export interface WireSearchAttributes {
  indexedFields?: Record<string, Payload>;
}

export interface WireMemo {
  fields?: Record<string, Payload>;
}

export interface ScheduleScoped extends NamespaceScoped {
  scheduleId?: string;
}

export interface CreateScheduleRequest extends ScheduleScoped {
  schedule?: WireSchedule;
  initialPatch?: WireSchedulePatch;
  memo?: WireMemo;
  searchAttributes?: WireSearchAttributes;
}

export interface UpdateScheduleRequest extends ScheduleScoped {
  schedule?: WireSchedule;
  conflictToken?: Buffer;
  memo?: WireMemo;
  searchAttributes?: WireSearchAttributes;
}

export interface PatchScheduleRequest extends ScheduleScoped {
  patch?: WireSchedulePatch;
}

export interface ListScheduleMatchingTimesRequest extends ScheduleScoped {
  startTime?: WireTime;
  endTime?: WireTime;
}

export interface ListSchedulesRequest extends NamespaceScoped {
  maximumPageSize?: number;
  nextPageToken?: Buffer;
  query?: string;
}
