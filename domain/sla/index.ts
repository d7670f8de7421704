export {
  DEFAULT_SLA_POLICY,
  ESCALATION_ACTIONS,
  MAX_ESCALATION_STEPS,
  MAX_TARGET_MINUTES,
  planSlaClock,
  PRIORITIES,
  SLA_CLOCK_KINDS,
  slaPolicyWithDefaults,
  validateSlaPolicy,
  warningPointMinutes,
  type EscalationAction,
  type EscalationStep,
  type PlannedEscalation,
  type PolicyProblem,
  type Priority,
  type SlaClockKind,
  type SlaClockPlan,
  type SlaPolicy,
  type SlaPolicyOverrides,
  type SlaTimeBasis,
  type SlaWarning,
} from './policy';
export {
  applyEvent,
  createSlaState,
  eventProblem,
  nextDeadline,
  outcomeOf,
  SlaClockError,
  type SlaClockErrorCode,
} from './clocks';
export { cycleOfCustomerMessage, inactivityCloseAt, reopenWindowEndsAt, reopenWindowOpen } from './cycles';
export type * from './clockTypes';
