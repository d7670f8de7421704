/** gRPC errors shaped as a Temporal server returns them. */
import { status } from '@grpc/grpc-js';
import { encode, packAny, type Msg } from './protos';

export class ServiceError extends Error {
  constructor(
    readonly code: status,
    message: string,
    readonly statusDetails?: Buffer,
  ) {
    super(message);
  }
}

function withDetails(code: status, message: string, detailType: string, detail: Msg): ServiceError {
  const details = encode('google.rpc.Status', { code, message, details: [packAny(detailType, detail)] });
  return new ServiceError(code, message, details);
}

export const invalidArgument = (message: string): ServiceError => new ServiceError(status.INVALID_ARGUMENT, message);

/**
 * Why an id the server keeps (a workflow, namespace or schedule id) cannot be kept, if it cannot:
 * one holding a NUL character, which a Postgres text column refuses. Refused in memory too, so
 * that both stores accept the same requests.
 */
export const unstorableId = (value: string, field: string): string | undefined =>
  value.includes('\u0000') ? `${field} must not contain a NUL character` : undefined;

export function refuseUnstorableId(value: string, field: string): void {
  const why = unstorableId(value, field);
  if (why) throw invalidArgument(why);
}

export const notFound = (message: string): ServiceError =>
  withDetails(status.NOT_FOUND, message, 'temporal.api.errordetails.v1.NotFoundFailure', {});

export const failedPrecondition = (message: string): ServiceError =>
  new ServiceError(status.FAILED_PRECONDITION, message);

export const unimplemented = (message: string): ServiceError => new ServiceError(status.UNIMPLEMENTED, message);

export const deadlineExceeded = (message: string): ServiceError => new ServiceError(status.DEADLINE_EXCEEDED, message);

export const workflowAlreadyStarted = (message: string, startRequestId: string, runId: string): ServiceError =>
  withDetails(status.ALREADY_EXISTS, message, 'temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure', {
    startRequestId,
    runId,
  });

export const queryFailed = (message: string, failure?: Msg): ServiceError =>
  withDetails(
    status.INVALID_ARGUMENT,
    message,
    'temporal.api.errordetails.v1.QueryFailedFailure',
    failure ? { failure } : {},
  );

export const namespaceNotFound = (namespace: string): ServiceError =>
  withDetails(
    status.NOT_FOUND,
    `Namespace ${namespace} is not found.`,
    'temporal.api.errordetails.v1.NamespaceNotFoundFailure',
    {
      namespace,
    },
  );

export const unavailable = (message: string): ServiceError => new ServiceError(status.UNAVAILABLE, message);
