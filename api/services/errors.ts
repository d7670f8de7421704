/**
 * What a use case refuses, said without HTTP: the error handler (api/errors.ts) alone decides the
 * status and the body. `details` travel to the client as they are, so they hold nothing internal.
 */
export const Refusal = {
  InvalidInput: 'invalid_input',
  /** The caller could not show who they are (an inbound delivery without a valid signature). */
  Unauthenticated: 'unauthenticated',
  Forbidden: 'forbidden',
  NotFound: 'not_found',
  /** The post is not in a state that takes this change. */
  Conflict: 'conflict',
  /** The post's workflow is gone (the post is `lost`): nothing can act on it any more. */
  Gone: 'gone',
  /** An Idempotency-Key already used for a different request body. */
  IdempotencyKeyReused: 'idempotency_key_reused',
} as const;
export type Refusal = (typeof Refusal)[keyof typeof Refusal];

export class RefusedError extends Error {
  constructor(
    readonly refusal: Refusal,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'RefusedError';
  }
}

export const invalidInput = (message: string, details?: Record<string, unknown>) =>
  new RefusedError(Refusal.InvalidInput, message, details);
export const unauthenticatedCaller = (message: string) => new RefusedError(Refusal.Unauthenticated, message);
export const forbiddenAction = (message: string) => new RefusedError(Refusal.Forbidden, message);
export const notFound = (message: string) => new RefusedError(Refusal.NotFound, message);
export const conflict = (message: string) => new RefusedError(Refusal.Conflict, message);
export const gone = (message: string, details?: Record<string, unknown>) =>
  new RefusedError(Refusal.Gone, message, details);

/** A field-level problem in the same shape as a zod issue, so clients read every 400 alike. */
export function invalidField(path: Array<string | number>, message: string): RefusedError {
  return invalidInput('The request is invalid; see issues', { issues: [{ code: 'custom', path, message }] });
}
