/**
 * Errors over HTTP as grpc-gateway writes them: the google.rpc.Status as JSON
 * (`{code, message, details}`) under the HTTP status that grpc-gateway gives its gRPC code.
 */
import type { ServerResponse } from 'node:http';
import { status } from '@grpc/grpc-js';
import { ServiceError } from '../errors';
import { decode } from '../protos';
import { messageToJson, type JsonObject } from './protoJson';

const HTTP_STATUS: Record<number, number> = {
  [status.OK]: 200,
  [status.CANCELLED]: 499,
  [status.UNKNOWN]: 500,
  [status.INVALID_ARGUMENT]: 400,
  [status.DEADLINE_EXCEEDED]: 504,
  [status.NOT_FOUND]: 404,
  [status.ALREADY_EXISTS]: 409,
  [status.PERMISSION_DENIED]: 403,
  [status.RESOURCE_EXHAUSTED]: 429,
  [status.FAILED_PRECONDITION]: 400,
  [status.ABORTED]: 409,
  [status.OUT_OF_RANGE]: 400,
  [status.UNIMPLEMENTED]: 501,
  [status.INTERNAL]: 500,
  [status.UNAVAILABLE]: 503,
  [status.DATA_LOSS]: 500,
  [status.UNAUTHENTICATED]: 401,
};

export function httpStatusOf(code: status): number {
  return HTTP_STATUS[code] ?? 500;
}

/** An error the gateway itself raises, with its own HTTP status (413, 405...). */
export class GatewayError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, httpStatus: number, body: unknown): void {
  if (res.headersSent || res.destroyed) {
    res.end();
    return;
  }
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(httpStatus, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

function statusBody(code: status, message: string, details?: Buffer): JsonObject {
  if (details) {
    try {
      const body = messageToJson('google.rpc.Status', decode('google.rpc.Status', details));
      return { code, message, ...body, details: body.details ?? [] };
    } catch {
      // Details the codec cannot write are left out; code and message still say what went wrong.
    }
  }
  return { code, message, details: [] };
}

export function sendError(res: ServerResponse, err: unknown): void {
  if (err instanceof GatewayError) {
    sendJson(res, err.httpStatus, statusBody(err.code, err.message));
  } else if (err instanceof ServiceError) {
    sendJson(res, httpStatusOf(err.code), statusBody(err.code, err.message, err.statusDetails));
  } else {
    const message = err instanceof Error ? err.message : String(err);
    sendJson(res, 500, statusBody(status.INTERNAL, message));
  }
}
