/**
 * A brand's crisis policy: how a surge of negative or crisis-sensitive messages is told apart from
 * the brand's usual volume, who hears about it, whether a crisis is declared at once or waits for a
 * manager, and what happens to posts whose publish time passed while they were held. Plain JSON,
 * versioned like the conversation settings.
 */

/** A crisis is a number of messages in the window, or a multiple of the brand's usual number. */
export type CrisisThreshold = { kind: 'count'; count: number } | { kind: 'baseline_multiple'; multiple: number };

export const CRISIS_DECLARATIONS = ['automatic', 'confirm'] as const;
export type CrisisDeclaration = (typeof CRISIS_DECLARATIONS)[number];

export const PASSED_PUBLISH_TIME_CHOICES = ['hold_for_review', 'publish'] as const;
export type PassedPublishTimeChoice = (typeof PASSED_PUBLISH_TIME_CHOICES)[number];

export interface CrisisPolicy {
  version: number;
  /** The sliding window the messages are counted in. */
  windowMinutes: number;
  threshold: CrisisThreshold;
  /** Fewer messages than this in the window never raise an alert, whatever the baseline. */
  minimumVolume: number;
  /** After an alert (or the end of a crisis), no new alert for this long. */
  cooldownMinutes: number;
  /** How far back the brand's usual volume is measured. */
  baselineDays: number;
  /** `automatic`: the alert declares the crisis; `confirm`: a manager confirms it. */
  declare: CrisisDeclaration;
  /** User ids alerted when the threshold is crossed and when a crisis is declared or ended. */
  contacts: string[];
  /** What happens, once the crisis ends, to a post whose publish time passed while it was held. */
  passedPublishTime: PassedPublishTimeChoice;
}

export const CRISIS_LIMITS = {
  /** A day: the window is kept as minute buckets, so this bounds the monitor's state. */
  maxWindowMinutes: 24 * 60,
  /** A month of hourly buckets at most. */
  maxBaselineDays: 30,
  maxCount: 100_000,
  maxMultiple: 1000,
  maxCooldownMinutes: 7 * 24 * 60,
  maxContacts: 50,
  maxContactLength: 200,
} as const;

/** A brand that configured nothing: three times its usual volume in an hour, and at least ten messages. */
export const DEFAULT_CRISIS_POLICY: CrisisPolicy = {
  version: 1,
  windowMinutes: 60,
  threshold: { kind: 'baseline_multiple', multiple: 3 },
  minimumVolume: 10,
  cooldownMinutes: 120,
  baselineDays: 7,
  declare: 'confirm',
  contacts: [],
  passedPublishTime: 'hold_for_review',
};

export interface CrisisPolicyProblem {
  path: string[];
  message: string;
}

function wholeBetween(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** Every way the policy is unusable, with the path of the field; empty when it is fine. */
export function validateCrisisPolicy({ policy }: { policy: CrisisPolicy }): CrisisPolicyProblem[] {
  const problems: CrisisPolicyProblem[] = [];
  const need = (ok: boolean, path: string[], message: string) => {
    if (!ok) problems.push({ path, message });
  };
  need(
    wholeBetween(policy.windowMinutes, 1, CRISIS_LIMITS.maxWindowMinutes),
    ['windowMinutes'],
    `must be a whole number of minutes from 1 to ${CRISIS_LIMITS.maxWindowMinutes}`,
  );
  const { threshold } = policy;
  if (threshold?.kind === 'count') {
    need(
      wholeBetween(threshold.count, 1, CRISIS_LIMITS.maxCount),
      ['threshold', 'count'],
      `must be a whole number from 1 to ${CRISIS_LIMITS.maxCount}`,
    );
  } else if (threshold?.kind === 'baseline_multiple') {
    need(
      typeof threshold.multiple === 'number' &&
        Number.isFinite(threshold.multiple) &&
        threshold.multiple > 1 &&
        threshold.multiple <= CRISIS_LIMITS.maxMultiple,
      ['threshold', 'multiple'],
      `must be a number above 1 and at most ${CRISIS_LIMITS.maxMultiple}`,
    );
  } else {
    problems.push({ path: ['threshold', 'kind'], message: 'must be count or baseline_multiple' });
  }
  need(
    wholeBetween(policy.minimumVolume, 1, CRISIS_LIMITS.maxCount),
    ['minimumVolume'],
    `must be a whole number from 1 to ${CRISIS_LIMITS.maxCount}`,
  );
  need(
    wholeBetween(policy.cooldownMinutes, 0, CRISIS_LIMITS.maxCooldownMinutes),
    ['cooldownMinutes'],
    `must be a whole number of minutes from 0 to ${CRISIS_LIMITS.maxCooldownMinutes}`,
  );
  need(
    wholeBetween(policy.baselineDays, 1, CRISIS_LIMITS.maxBaselineDays),
    ['baselineDays'],
    `must be a whole number of days from 1 to ${CRISIS_LIMITS.maxBaselineDays}`,
  );
  need(CRISIS_DECLARATIONS.includes(policy.declare), ['declare'], 'must be automatic or confirm');
  need(
    PASSED_PUBLISH_TIME_CHOICES.includes(policy.passedPublishTime),
    ['passedPublishTime'],
    'must be hold_for_review or publish',
  );
  if (!Array.isArray(policy.contacts) || policy.contacts.length > CRISIS_LIMITS.maxContacts) {
    problems.push({ path: ['contacts'], message: `must list at most ${CRISIS_LIMITS.maxContacts} user ids` });
  } else {
    policy.contacts.forEach((contact, index) =>
      need(
        typeof contact === 'string' && contact.length > 0 && contact.length <= CRISIS_LIMITS.maxContactLength,
        ['contacts', String(index)],
        'must be a user id',
      ),
    );
    need(new Set(policy.contacts).size === policy.contacts.length, ['contacts'], 'must not repeat a user');
  }
  return problems;
}
