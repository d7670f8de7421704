/**
 * What a brand wants done with a post whose publish timer fires late: after `npm start` or the
 * worker was down across its publish time, say. By default it publishes as soon as it can; a brand
 * may instead have a post that is more than its tolerance late wait for a person (a reschedule or a
 * publish-now), since news that went out hours late can do more harm than good.
 */
import { PASSED_PUBLISH_TIME_CHOICES, type PassedPublishTimeChoice } from './crisis/policy';

export interface LatePublishingPolicy {
  passedPublishTime: PassedPublishTimeChoice;
  /** How late a publication may still go out when the brand holds late ones. */
  toleranceMinutes: number;
}

export const LATE_PUBLISHING_LIMITS = {
  /** A timer is never exact: below a minute late is on time. */
  minToleranceMinutes: 1,
  maxToleranceMinutes: 7 * 24 * 60,
} as const;

export const DEFAULT_LATE_PUBLISHING: LatePublishingPolicy = { passedPublishTime: 'publish', toleranceMinutes: 5 };

const MINUTE_MS = 60_000;

/** How late a timer may fire before the brand's policy is worth asking. */
export const ON_TIME_MS = LATE_PUBLISHING_LIMITS.minToleranceMinutes * MINUTE_MS;

/** Whether a post whose publish timer fired at `firedAt` waits for a person instead of publishing. */
export function holdsLatePublication({
  policy,
  publishAt,
  firedAt,
}: {
  policy: LatePublishingPolicy;
  publishAt: string;
  firedAt: number;
}): boolean {
  return (
    policy.passedPublishTime === 'hold_for_review' &&
    firedAt - Date.parse(publishAt) > policy.toleranceMinutes * MINUTE_MS
  );
}

/** What is wrong with a policy as sent, by field; empty when it is sound. */
export function latePublishingProblems(policy: LatePublishingPolicy): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  if (!PASSED_PUBLISH_TIME_CHOICES.includes(policy.passedPublishTime)) {
    problems.push({ path: 'passedPublishTime', message: 'must be hold_for_review or publish' });
  }
  const { minToleranceMinutes, maxToleranceMinutes } = LATE_PUBLISHING_LIMITS;
  if (
    !Number.isInteger(policy.toleranceMinutes) ||
    policy.toleranceMinutes < minToleranceMinutes ||
    policy.toleranceMinutes > maxToleranceMinutes
  ) {
    problems.push({
      path: 'toleranceMinutes',
      message: `must be whole minutes from ${minToleranceMinutes} to ${maxToleranceMinutes} (7 days)`,
    });
  }
  return problems;
}
