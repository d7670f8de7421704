/**
 * Which failures of a write can never succeed on a retry. Postgres refusing the data itself (a
 * data exception, SQLSTATE class 22, or a NOT NULL or CHECK constraint) answers the same way every
 * time; a value that breaks the text policy would be refused too. Both become a non-retryable
 * UnstorableValue naming the value, so the workflow learns why at once instead of retrying forever.
 * Everything else (a lost connection, a serialization failure, a deadlock) stays retryable.
 */
import { ApplicationFailure } from '@temporalio/common';
import { unstorableText } from '../domain/storable';
import { storableText } from '../domain/text';
import { ErrorType } from './contract';

const DATA_EXCEPTION_CLASS = '22';
const DETERMINISTIC_CONSTRAINTS = new Set(['23502', '23514']);
/** Postgres quotes the refused value in some messages; the reason recorded stays short. */
const MAX_REASON_LENGTH = 500;

/** The SQLSTATE of a Postgres error as pg reports it, if the error is one. */
export function sqlState(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function isPermanentDataError(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && (state.startsWith(DATA_EXCEPTION_CLASS) || DETERMINISTIC_CONSTRAINTS.has(state));
}

export function unstorableValue(message: string, details: Record<string, unknown> = {}): ApplicationFailure {
  return ApplicationFailure.create({
    type: ErrorType.UnstorableValue,
    message: storableText(message),
    nonRetryable: true,
    details: [details],
  });
}

/** Refuses, before anything is written, a value that breaks the text policy. */
export function requireStorable(value: unknown, what: string): void {
  const problem = unstorableText(value);
  if (problem) {
    throw unstorableValue(`${what}: ${problem.path} ${problem.message}`, { path: problem.path, code: problem.code });
  }
}

/** Runs a write; Postgres refusing its data fails it for good, anything else is left as it is. */
export async function permanentOnBadData<T>(what: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!isPermanentDataError(error)) throw error;
    const state = sqlState(error)!;
    const reason = error instanceof Error ? postgresReason(error) : String(error);
    throw unstorableValue(`${what}: Postgres refused the data (SQLSTATE ${state}): ${reason}`, { sqlState: state });
  }
}

/** pg's message without the statement knex puts in front of it, which may hold the whole value. */
function postgresReason(error: Error): string {
  const message = error.message;
  const separator = message.lastIndexOf(' - ');
  const reason = separator >= 0 ? message.slice(separator + 3) : message;
  return reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH)}…` : reason;
}
