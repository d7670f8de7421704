/** Construction of history events in the shape the Temporal API defines. */
import type { Msg } from './protos';

/** 'ActivityTaskScheduled' → 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED' */
export function eventTypeName(kind: string): string {
  return `EVENT_TYPE_${kind.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

/** 'ActivityTaskScheduled' → 'activityTaskScheduledEventAttributes' */
export function attributesKey(kind: string): string {
  return `${kind.charAt(0).toLowerCase()}${kind.slice(1)}EventAttributes`;
}

export interface EventDraft {
  kind: string;
  attributes: Msg;
  /** Told the event id once the event is written (events can wait in a buffer first). */
  onWritten?: (eventId: number) => void;
}

export function buildEvent(eventId: number, eventTimeMs: number, draft: EventDraft): Msg {
  return {
    eventId,
    eventTime: { seconds: Math.floor(eventTimeMs / 1000), nanos: (eventTimeMs % 1000) * 1e6 },
    eventType: eventTypeName(draft.kind),
    taskId: eventId,
    [attributesKey(draft.kind)]: draft.attributes,
  };
}

export function eventKind(event: Msg): string {
  const type = event.eventType as string;
  return type
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase());
}

export function eventAttributes(event: Msg): Msg {
  return (event[attributesKey(eventKind(event))] as Msg | undefined) ?? {};
}

const CLOSE_KINDS = new Set([
  'WorkflowExecutionCompleted',
  'WorkflowExecutionFailed',
  'WorkflowExecutionTimedOut',
  'WorkflowExecutionCanceled',
  'WorkflowExecutionTerminated',
  'WorkflowExecutionContinuedAsNew',
]);
export const isCloseEvent = (event: Msg): boolean => CLOSE_KINDS.has(eventKind(event));

const CLOSE_COMMANDS = new Set([
  'COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION',
  'COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION',
  'COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION',
  'COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION',
]);
export const isCloseCommand = (command: Msg): boolean => CLOSE_COMMANDS.has(command.commandType as string);

/** 'COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK' → 'scheduleActivityTaskCommandAttributes' */
export function commandAttributesKey(commandType: string): string {
  const camel = commandType
    .replace(/^COMMAND_TYPE_/, '')
    .toLowerCase()
    .replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  return `${camel}CommandAttributes`;
}
