/**
 * What would make a workflow history untrue after a crash: a gap in its event ids, an event
 * written twice (a timer firing again, an activity or workflow task finishing twice), or a run
 * closed more than once or not at its end.
 */
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const number = (value: unknown): number => Number(String(value));

/** Events that close what an earlier event opened, keyed by that earlier event's id. */
const OUTCOMES: Array<{ name: string; of: (event: HistoryEvent) => unknown }> = [
  {
    name: 'timer outcome',
    of: (event) =>
      event.timerFiredEventAttributes?.startedEventId ?? event.timerCanceledEventAttributes?.startedEventId,
  },
  { name: 'activity start', of: (event) => event.activityTaskStartedEventAttributes?.scheduledEventId },
  {
    name: 'activity outcome',
    of: (event) =>
      event.activityTaskCompletedEventAttributes?.scheduledEventId ??
      event.activityTaskFailedEventAttributes?.scheduledEventId ??
      event.activityTaskTimedOutEventAttributes?.scheduledEventId ??
      event.activityTaskCanceledEventAttributes?.scheduledEventId,
  },
  { name: 'workflow task start', of: (event) => event.workflowTaskStartedEventAttributes?.scheduledEventId },
  {
    name: 'workflow task outcome',
    of: (event) =>
      event.workflowTaskCompletedEventAttributes?.scheduledEventId ??
      event.workflowTaskFailedEventAttributes?.scheduledEventId ??
      event.workflowTaskTimedOutEventAttributes?.scheduledEventId,
  },
];

const CLOSING = [
  'workflowExecutionCompletedEventAttributes',
  'workflowExecutionFailedEventAttributes',
  'workflowExecutionTimedOutEventAttributes',
  'workflowExecutionCanceledEventAttributes',
  'workflowExecutionTerminatedEventAttributes',
  'workflowExecutionContinuedAsNewEventAttributes',
] as const;

export function historyProblems(history: temporal.api.history.v1.IHistory): string[] {
  const events = history.events ?? [];
  const problems: string[] = [];
  events.forEach((event, index) => {
    if (number(event.eventId) !== index + 1) problems.push(`event ${index + 1} has id ${number(event.eventId)}`);
  });
  if (events.length > 0 && !events[0].workflowExecutionStartedEventAttributes) {
    problems.push('the first event is not WorkflowExecutionStarted');
  }
  for (const { name, of } of OUTCOMES) {
    const seen = new Set<number>();
    for (const event of events) {
      const earlier = of(event);
      if (earlier === undefined || earlier === null) continue;
      if (seen.has(number(earlier))) problems.push(`${name} of event ${number(earlier)} recorded twice`);
      seen.add(number(earlier));
    }
  }
  const timerIds = new Map<string, number>();
  for (const event of events) {
    const timerId = event.timerStartedEventAttributes?.timerId;
    if (timerId) timerIds.set(timerId, (timerIds.get(timerId) ?? 0) + 1);
  }
  for (const [timerId, times] of timerIds) if (times > 1) problems.push(`timer ${timerId} started ${times} times`);
  const closings = events.filter((event) => CLOSING.some((attributes) => event[attributes]));
  if (closings.length > 1) problems.push(`closed ${closings.length} times`);
  if (closings.length === 1 && closings[0] !== events.at(-1)) problems.push('events after the run closed');
  return problems;
}
