/**
 * Why the conversation workflow refuses an update; the API maps each type to an HTTP status
 * (InvalidInput 400, Forbidden 403, InvalidTransition 409, ReplyNotSent 502).
 */
import { ApplicationFailure } from '@temporalio/workflow';

export const ThreadUpdateError = {
  InvalidInput: 'InvalidInput',
  Forbidden: 'Forbidden',
  InvalidTransition: 'InvalidTransition',
  /** The platform did not take the reply; nothing was recorded as answered. */
  ReplyNotSent: 'ReplyNotSent',
} as const;
export type ThreadUpdateError = (typeof ThreadUpdateError)[keyof typeof ThreadUpdateError];

export function refuse(type: ThreadUpdateError, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}
