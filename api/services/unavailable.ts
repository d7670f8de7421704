/**
 * Whether a failure means Temporal or Postgres cannot be reached or used right now, rather than
 * that the request was wrong. Use cases judge with it (serve a projection instead, stop a pass);
 * the error handler answers such failures with 503.
 */
import {
  ServiceError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcServiceError,
} from '@temporalio/client';
import { NamespaceNotFoundError } from '@temporalio/common';

// gRPC status codes that mean "Temporal is not there or did not answer", not "your request is wrong".
const GRPC_UNAVAILABLE = 14;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_CANCELLED = 1;
const GRPC_RESOURCE_EXHAUSTED = 8;
const UNREACHABLE_GRPC_CODES = new Set([
  GRPC_UNAVAILABLE,
  GRPC_DEADLINE_EXCEEDED,
  GRPC_CANCELLED,
  GRPC_RESOURCE_EXHAUSTED,
]);

// Node socket errors and PostgreSQL SQLSTATEs that mean the database cannot be reached or used right now.
const UNREACHABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);
const UNAVAILABLE_SQLSTATE = /^(08|53|57P|3D000|28)/;

function grpcCode(error: unknown): number | undefined {
  if (isGrpcServiceError(error)) return error.code;
  if (typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'number') {
    // Errors raised by the connection itself (deadline, cancelled) carry the gRPC code without being ServiceErrors.
    const details = (error as { details?: unknown }).details;
    if (typeof details === 'string') return (error as { code: number }).code;
  }
  return undefined;
}

export function isTemporalUnreachable(error: unknown): boolean {
  if (error instanceof NamespaceNotFoundError) return true;
  // The update may or may not have been delivered; either way Temporal (or its worker) did not answer in time.
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  if (error instanceof ServiceError) {
    const code = grpcCode(error.cause);
    // A ServiceError without a recognisable gRPC cause is still Temporal failing to serve the call.
    return code === undefined || UNREACHABLE_GRPC_CODES.has(code);
  }
  if (error instanceof WorkflowUpdateFailedError) return false;
  const code = grpcCode(error);
  if (code !== undefined) return UNREACHABLE_GRPC_CODES.has(code);
  return error instanceof Error && error.name === 'TransportError';
}

export function isPostgresUnreachable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, name, message } = error as { code?: unknown; name?: unknown; message?: unknown };
  if (typeof code === 'string' && UNREACHABLE_SOCKET_CODES.has(code)) return true;
  // Only SQLSTATEs come from PostgreSQL itself; pg marks them on DatabaseError.
  if (name === 'DatabaseError' && typeof code === 'string' && UNAVAILABLE_SQLSTATE.test(code)) return true;
  if (name === 'KnexTimeoutError') return true;
  if (typeof message === 'string' && /Connection terminated|Client has encountered a connection error/.test(message)) {
    return true;
  }
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error && isPostgresUnreachable(cause);
}
