/**
 * What a brand has configured for its conversations: when its people work, what it promises per
 * priority, and how inbound messages are sorted. Each part carries its own version, recorded with
 * whatever was measured or decided with it.
 */
import { ROUND_THE_CLOCK_CALENDAR, type BusinessCalendar } from './businessHours';
import { DEFAULT_SLA_POLICY, type SlaPolicy } from './sla';
import { DEFAULT_TRIAGE_RULES, type TriageRules } from './triage';

export interface ThreadSettings {
  calendar: BusinessCalendar;
  slaPolicy: SlaPolicy;
  triageRules: TriageRules;
}

/** A brand that has configured nothing: open around the clock, the default promises and rules. */
export const DEFAULT_THREAD_SETTINGS: ThreadSettings = {
  calendar: ROUND_THE_CLOCK_CALENDAR,
  slaPolicy: DEFAULT_SLA_POLICY,
  triageRules: DEFAULT_TRIAGE_RULES,
};
