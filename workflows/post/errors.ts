/**
 * Why the post workflow refuses an update. Validators throw these before anything reaches
 * history; the API maps each type to an HTTP status (InvalidInput 400, Forbidden 403,
 * InvalidTransition and StaleRevision 409, QualityCheckFailed 422).
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { QualityIssue } from '../messages';

export const PostUpdateError = {
  /** The request is malformed or asks for something impossible (a publish time in the past). */
  InvalidInput: 'InvalidInput',
  /** The caller lacks the role, or separation of duties forbids the action. */
  Forbidden: 'Forbidden',
  /** The post is not in a stage where the action applies. */
  InvalidTransition: 'InvalidTransition',
  /** The decision was made on a revision that has since been replaced. */
  StaleRevision: 'StaleRevision',
  /** The revision was recorded but does not pass the quality checks; details list the issues. */
  QualityCheckFailed: 'QualityCheckFailed',
} as const;
export type PostUpdateError = (typeof PostUpdateError)[keyof typeof PostUpdateError];

export function refuse(type: PostUpdateError, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

export function qualityCheckFailed({
  revision,
  issues,
}: {
  revision: number;
  issues: QualityIssue[];
}): ApplicationFailure {
  const listed = issues
    .map((issue) => (issue.platform ? `${issue.platform}: ${issue.message}` : issue.message))
    .join('; ');
  return ApplicationFailure.create({
    type: PostUpdateError.QualityCheckFailed,
    message: `revision ${revision} was recorded but does not pass the quality checks: ${listed}`,
    nonRetryable: true,
    details: [{ revision, issues }],
  });
}
