/**
 * The one place where errors become HTTP responses. Services refuse with `RefusedError`, routes
 * and guards throw `HttpError`, and validation and infrastructure errors pass through; this module
 * decides the status and the body, also for requests Node's parser refuses before the app sees
 * them, and makes sure a client never sees a stack trace.
 */
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { Refusal, RefusedError } from './services/errors';
import { SealedSecretUnreadableError } from '../db/sealedSecrets';
import { isPostgresUnreachable, isTemporalUnreachable } from './services/unavailable';

export { isPostgresUnreachable, isTemporalUnreachable };

/** Error codes a client can branch on; the body's `error` field is one of these. */
export const ApiErrorCode = {
  InvalidInput: 'invalid_input',
  MalformedJson: 'malformed_json',
  Unauthenticated: 'unauthenticated',
  Forbidden: 'forbidden',
  NotFound: 'not_found',
  MethodNotAllowed: 'method_not_allowed',
  Conflict: 'conflict',
  /** The post's workflow is gone (the post is `lost`): nothing can act on it any more. */
  Gone: 'gone',
  /** An Idempotency-Key already used for a different request body. */
  IdempotencyKeyReused: 'idempotency_key_reused',
  QualityCheckFailed: 'quality_check_failed',
  PayloadTooLarge: 'payload_too_large',
  UnsupportedMediaType: 'unsupported_media_type',
  RateLimited: 'rate_limited',
  Unavailable: 'service_unavailable',
  TimedOut: 'request_timeout',
  HeadersTooLarge: 'headers_too_large',
  Internal: 'internal_error',
} as const;
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

/** Failure types the post workflow's update validators throw, and what they mean over HTTP. */
export const WORKFLOW_REJECTION_STATUS: Record<string, { status: number; code: ApiErrorCode }> = {
  InvalidTransition: { status: 409, code: ApiErrorCode.Conflict },
  StaleRevision: { status: 409, code: ApiErrorCode.Conflict },
  Forbidden: { status: 403, code: ApiErrorCode.Forbidden },
  InvalidInput: { status: 400, code: ApiErrorCode.InvalidInput },
  // The revision was recorded (the post stays in drafting); the body lists what to fix.
  QualityCheckFailed: { status: 422, code: ApiErrorCode.QualityCheckFailed },
  // The platform did not take a conversation's reply (revoked account, refused content).
  ReplyNotSent: { status: 409, code: ApiErrorCode.Conflict },
};

/** What each refusal of a use case means over HTTP. */
const REFUSAL_STATUS: Record<Refusal, { status: number; code: ApiErrorCode }> = {
  [Refusal.InvalidInput]: { status: 400, code: ApiErrorCode.InvalidInput },
  [Refusal.Unauthenticated]: { status: 401, code: ApiErrorCode.Unauthenticated },
  [Refusal.Forbidden]: { status: 403, code: ApiErrorCode.Forbidden },
  [Refusal.NotFound]: { status: 404, code: ApiErrorCode.NotFound },
  [Refusal.Conflict]: { status: 409, code: ApiErrorCode.Conflict },
  [Refusal.Gone]: { status: 410, code: ApiErrorCode.Gone },
  [Refusal.IdempotencyKeyReused]: { status: 422, code: ApiErrorCode.IdempotencyKeyReused },
};

/** An error that already knows its HTTP status; its message is safe to show to the client. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const unauthenticated = (message: string) => new HttpError(401, ApiErrorCode.Unauthenticated, message);
export const forbidden = (message: string) => new HttpError(403, ApiErrorCode.Forbidden, message);
/** The error handler turns `retryAfterSeconds` into the Retry-After header as well. */
export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  new HttpError(429, ApiErrorCode.RateLimited, message, { retryAfterSeconds });

/** A path whose percent-encoding does not decode to UTF-8 text (`%ZZ`, a lone `%`, overlong `%C0%AE`). */
export const malformedPath = () =>
  new HttpError(400, ApiErrorCode.InvalidInput, 'The request path is not valid percent-encoded UTF-8');
/** The request's time budget ran out before its answer was ready. */
export const requestTimedOut = (budgetMs: number) =>
  new HttpError(
    503,
    ApiErrorCode.TimedOut,
    `The request did not finish within ${budgetMs / 1000} s; it may or may not have taken effect, so check ` +
      'before repeating it (or repeat it with the same Idempotency-Key)',
    { budgetMs },
  );

/** The JSON body of every error response. */
export interface ErrorBody {
  error: ApiErrorCode;
  message: string;
  requestId: string;
  issues?: unknown[];
  [detail: string]: unknown;
}

interface Classified {
  status: number;
  code: ApiErrorCode;
  message: string;
  extra?: Record<string, unknown>;
  /** Unexpected errors are logged with their stack; expected ones only at debug level. */
  unexpected?: boolean;
}

export function classifyError(error: unknown): Classified {
  if (error instanceof HttpError) {
    return { status: error.status, code: error.code, message: error.message, extra: error.details };
  }
  if (error instanceof RefusedError) {
    const { status, code } = REFUSAL_STATUS[error.refusal];
    return { status, code, message: error.message, extra: error.details };
  }
  if (error instanceof ZodError) {
    return {
      status: 400,
      code: ApiErrorCode.InvalidInput,
      message: 'The request is invalid; see issues',
      extra: { issues: error.issues },
    };
  }
  const bodyParserFailure = classifyBodyParserError(error);
  if (bodyParserFailure) return bodyParserFailure;
  // The router decodes path parameters and throws URIError for encodings that are not UTF-8.
  if (error instanceof URIError) return classifyError(malformedPath());

  if (error instanceof WorkflowUpdateFailedError) {
    const cause = error.cause;
    if (cause instanceof ApplicationFailure && cause.type && WORKFLOW_REJECTION_STATUS[cause.type]) {
      const { status, code } = WORKFLOW_REJECTION_STATUS[cause.type];
      return { status, code, message: cause.message, extra: { reason: cause.type, ...rejectionDetails(cause) } };
    }
    return { status: 500, code: ApiErrorCode.Internal, message: 'The update failed', unexpected: true };
  }
  if (error instanceof WorkflowNotFoundError) {
    return { status: 404, code: ApiErrorCode.NotFound, message: 'No such post' };
  }
  if (error instanceof WorkflowExecutionAlreadyStartedError) {
    return { status: 409, code: ApiErrorCode.Conflict, message: 'A post with this id already exists' };
  }
  if (error instanceof SealedSecretUnreadableError) {
    // The operator's to fix (the configured key); the platform retries the delivery meanwhile.
    return {
      status: 503,
      code: ApiErrorCode.Unavailable,
      message: "The account's inbound secrets cannot be read on this server right now; try again later",
      extra: { dependency: 'inbound_secret_key' },
    };
  }
  if (isTemporalUnreachable(error)) {
    return {
      status: 503,
      code: ApiErrorCode.Unavailable,
      message: 'The workflow service (Temporal) is unavailable; try again shortly',
      extra: { dependency: 'temporal' },
    };
  }
  if (isPostgresUnreachable(error)) {
    return {
      status: 503,
      code: ApiErrorCode.Unavailable,
      message: 'The database is unavailable; try again shortly',
      extra: { dependency: 'postgres' },
    };
  }
  return { status: 500, code: ApiErrorCode.Internal, message: 'Something went wrong on our side', unexpected: true };
}

/** The structured part of a refusal a client can act on: the quality issues of a blocked revision. */
function rejectionDetails(failure: ApplicationFailure): Record<string, unknown> {
  const [first] = failure.details ?? [];
  if (typeof first !== 'object' || first === null) return {};
  const { revision, issues } = first as { revision?: unknown; issues?: unknown };
  return {
    ...(typeof revision === 'number' ? { revision } : {}),
    ...(Array.isArray(issues) ? { qualityIssues: issues } : {}),
  };
}

function classifyBodyParserError(error: unknown): Classified | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  switch ((error as { type?: unknown }).type) {
    case 'entity.parse.failed':
      return { status: 400, code: ApiErrorCode.MalformedJson, message: 'The request body is not valid JSON' };
    case 'entity.too.large': {
      const limit = (error as { limit?: unknown }).limit;
      return {
        status: 413,
        code: ApiErrorCode.PayloadTooLarge,
        message: 'The request body is too large',
        extra: typeof limit === 'number' ? { limitBytes: limit } : undefined,
      };
    }
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return { status: 415, code: ApiErrorCode.UnsupportedMediaType, message: 'Unsupported body encoding' };
    case 'request.aborted':
      return { status: 400, code: ApiErrorCode.InvalidInput, message: 'The request was aborted' };
    case 'request.size.invalid':
      return {
        status: 400,
        code: ApiErrorCode.InvalidInput,
        message: 'The request body is shorter or longer than its Content-Length says',
      };
    default:
      return isDecompressionFailure(error)
        ? {
            status: 400,
            code: ApiErrorCode.InvalidInput,
            message: 'The request body is not compressed as its Content-Encoding says; send it as declared',
          }
        : undefined;
  }
}

/** zlib and brotli refusing a body that body-parser tried to inflate (it marks them 400, without a type). */
function isDecompressionFailure(error: object): boolean {
  const { code, status } = error as { code?: unknown; status?: unknown };
  return status === 400 && typeof code === 'string' && /^(Z_|ERR__ERROR|ERR_BROTLI)/.test(code);
}

/** The error handler: maps, logs and answers. Registered last on the app. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => answerWithError({ logger, error, req, res });
}

/** Answers with the error's status and body (unless an answer has already gone out). */
export function answerWithError({
  logger,
  error,
  req,
  res,
}: {
  logger: Logger;
  error: unknown;
  req: Request;
  res: Response;
}): void {
  const classified = classifyError(error);
  const requestId = requestIdOf(res);
  const log = { requestId, method: req.method, path: req.originalUrl, status: classified.status };
  if (classified.unexpected) logger.error({ ...log, err: error }, 'request failed');
  else if (classified.status >= 500) logger.warn({ ...log, err: error }, classified.message);
  else logger.debug(log, classified.message);

  if (res.headersSent) return;
  const body: ErrorBody = {
    error: classified.code,
    message: classified.message,
    requestId,
    ...classified.extra,
  };
  const retryAfterSeconds = classified.extra?.retryAfterSeconds;
  if (typeof retryAfterSeconds === 'number') res.setHeader('Retry-After', String(retryAfterSeconds));
  else if (classified.status === 503) res.setHeader('Retry-After', '5');
  res.status(classified.status).json(body);
}

/** Answers requests no route matched. */
export const routeNotFound: RequestHandler = (req, res) => {
  const body: ErrorBody = {
    error: ApiErrorCode.NotFound,
    message: `No route for ${req.method} ${req.path.length > 200 ? `${req.path.slice(0, 200)}…` : req.path}`,
    requestId: requestIdOf(res),
  };
  res.status(404).json(body);
};

export function requestIdOf(res: { locals: Record<string, unknown> }): string {
  const id = res.locals.requestId;
  return typeof id === 'string' ? id : 'unknown';
}

/**
 * What Node's HTTP parser refuses before the app sees the request (a malformed request line or
 * header, headers over the size limit, a request that never finished arriving), keyed by the
 * parser's error code. Everything else it refuses is a 400.
 */
const CLIENT_ERROR_STATUS: Record<string, { status: number; reason: string; code: ApiErrorCode; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    reason: 'Request Header Fields Too Large',
    code: ApiErrorCode.HeadersTooLarge,
    message: 'The request headers are larger than the server accepts',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    reason: 'Request Timeout',
    code: ApiErrorCode.TimedOut,
    message: 'The request did not arrive in time',
  },
};
const MALFORMED_REQUEST = {
  status: 400,
  reason: 'Bad Request',
  code: ApiErrorCode.InvalidInput,
  message: 'The request is not valid HTTP',
};

/**
 * The HTTP server's `clientError` listener: answers a request Node rejects before it reaches the
 * app with the same JSON error body as everything else, then closes the connection, since the
 * parser cannot tell where the next request would begin.
 */
export function clientErrorHandler(logger: Logger): (error: Error & { code?: string }, socket: Duplex) => void {
  return (error, socket) => {
    // A peer that went away or a socket already answering cannot be told anything.
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const answer = (error.code && CLIENT_ERROR_STATUS[error.code]) || MALFORMED_REQUEST;
    const body: ErrorBody = { error: answer.code, message: answer.message, requestId: randomUUID() };
    logger.debug({ requestId: body.requestId, status: answer.status, parserError: error.code }, answer.message);
    const json = JSON.stringify(body);
    socket.end(
      `HTTP/1.1 ${answer.status} ${answer.reason}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(json)}\r\n` +
        `X-Request-Id: ${body.requestId}\r\n` +
        'Connection: close\r\n\r\n' +
        json,
    );
  };
}
