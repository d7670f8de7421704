/**
 * An operation is declared once — path, access, zod schemas, responses, handler — and from that
 * declaration both the express route and its OpenAPI entry are made. A route cannot exist
 * without documentation, and documented input is the input that is validated.
 */
import type { OpenAPIRegistry, ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { Request, Response, Router } from 'express';
import type { output, ZodObject, ZodType } from 'zod';
import type { Role } from '../domain/types';
import { ACTION_ROLES, assertMayPerform, currentUser, type ApiAction, type AuthenticatedUser } from './auth';
import { ApiErrorCode, HttpError, requestIdOf, type ErrorBody } from './errors';
import { isAbandoned } from './requestBudget';
import type { GuardHandler } from './rateLimit';
import { ErrorResponse } from './schemas';

/** `public`: no key needed. `authenticated`: any valid key. An action: the roles allowed to attempt it. */
export type Access = 'public' | 'authenticated' | ApiAction;

type Parsed<S> = S extends ZodType ? output<S> : undefined;

export interface OperationContext<P, Q, B, H = undefined> {
  req: Request;
  res: Response;
  params: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
  headers: Parsed<H>;
  /** The caller; a placeholder is never given: public operations must not read it. */
  user: AuthenticatedUser;
}

export interface Operation<
  P extends ZodObject | undefined = undefined,
  Q extends ZodObject | undefined = undefined,
  B extends ZodType | undefined = undefined,
  H extends ZodObject | undefined = undefined,
> {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Express-style path, e.g. /v1/posts/:id */
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description?: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** Request headers the operation reads (names in lower case). */
  headers?: H;
  success: {
    status: number;
    description: string;
    schema?: ZodType;
    contentType?: 'application/json' | 'text/html';
    /** Also answered as CSV when the caller prefers `Accept: text/csv` (the handler writes it). */
    csv?: boolean;
  };
  /** Statuses this operation may answer with besides success, 401/403/429 (from access) and 500/503. */
  errors?: number[];
  /** Responses documented with their own schema instead of the error body. */
  otherResponses?: Record<number, { description: string; schema: ZodType }>;
  /** Returns the success body; throws for anything else. */
  handle(context: OperationContext<P, Q, B, H>): unknown;
}

/** Where operations are mounted: the express router, the OpenAPI registry and what admits a caller. */
export interface OperationTarget {
  router: Router;
  registry: OpenAPIRegistry;
  /** Runs, in order, before every operation that needs an API key: authentication and the request budgets. */
  admitCaller: GuardHandler[];
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400:
    'Invalid input (the zod issues are listed), malformed JSON or a body that is not a JSON object, a body not ' +
    'compressed as its Content-Encoding says, a path that is not valid percent-encoding, or a request the ' +
    'workflow refuses as invalid',
  401: 'Missing, malformed, unknown or revoked API key',
  403: "The caller's roles do not allow this (or, for a post, the workflow refuses this user: wrong stage role, own post)",
  404: 'No such post or brand (or it belongs to a brand the caller does not work for)',
  409: "The post is not in a state that allows this; the message is the workflow's reason",
  410: 'The post is `lost`: its workflow is gone from Temporal, so nothing can act on it; `reason` says how it was lost',
  413: 'The request body is larger than the limit',
  415: 'The request body is not sent as application/json, or in a Content-Encoding other than gzip, deflate or br',
  422: 'The revision was recorded but fails the quality checks; `qualityIssues` lists what to fix',
  429:
    "The caller's budget of requests per minute is spent (or, without a valid key, the client address's); " +
    'retry after the seconds in `Retry-After` (also `retryAfterSeconds`). `RateLimit` and `RateLimit-Policy` tell the budget',
  500: 'Unexpected failure; the body carries a request id to quote, never internal details',
  503:
    'Temporal or Postgres is unreachable (`dependency` says which), or the request did not finish within its ' +
    'time budget (`request_timeout`); retry later',
};

export function toOpenApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

function describeAccess(access: Access): string {
  if (access === 'public') return 'No API key needed.';
  if (access === 'authenticated') return 'Any valid API key.';
  const roles: readonly Role[] = ACTION_ROLES[access];
  return `Roles allowed: ${roles.join(', ')}.`;
}

type AnyOperation = Operation<ZodObject | undefined, ZodObject | undefined, ZodType | undefined, ZodObject | undefined>;

function documentOperation(registry: OpenAPIRegistry, operation: AnyOperation): void {
  const statuses = new Set<number>(operation.errors ?? []);
  if (operation.access !== 'public') {
    statuses.add(401);
    statuses.add(429);
  }
  if (operation.access !== 'public' && operation.access !== 'authenticated') statuses.add(403);
  if (operation.body || operation.query || operation.params) statuses.add(400);
  if (operation.body) {
    statuses.add(413);
    statuses.add(415);
  }
  statuses.add(500);
  // Public operations answer from the process itself; everything behind a key needs Postgres at least.
  if (operation.access !== 'public') statuses.add(503);

  const contentType = operation.success.contentType ?? 'application/json';
  const responses: Record<string, ResponseConfig> = {
    [operation.success.status]: {
      description: operation.success.description,
      ...(operation.success.schema
        ? {
            content: {
              [contentType]: { schema: operation.success.schema },
              ...(operation.success.csv ? { 'text/csv': { schema: { type: 'string' as const } } } : {}),
            },
          }
        : {}),
    },
  };
  for (const status of [...statuses].sort()) {
    responses[status] = {
      description: ERROR_DESCRIPTIONS[status] ?? 'Error',
      content: { 'application/json': { schema: ErrorResponse } },
    };
  }

  for (const [status, response] of Object.entries(operation.otherResponses ?? {})) {
    responses[status] = {
      description: response.description,
      content: { 'application/json': { schema: response.schema } },
    };
  }

  const route: RouteConfig = {
    method: operation.method,
    path: toOpenApiPath(operation.path),
    operationId: operation.operationId,
    tags: [operation.tag],
    summary: operation.summary,
    description: [operation.description, describeAccess(operation.access)].filter(Boolean).join('\n\n'),
    security: operation.access === 'public' ? [] : [{ bearerAuth: [] }],
    request: {
      ...(operation.params ? { params: operation.params } : {}),
      ...(operation.query ? { query: operation.query } : {}),
      ...(operation.headers ? { headers: operation.headers } : {}),
      ...(operation.body
        ? { body: { required: true, content: { 'application/json': { schema: operation.body } } } }
        : {}),
    },
    responses,
  };
  registry.registerPath(route);
}

/** Adds the operation to the router and to the OpenAPI registry. */
export function mountOperation<
  P extends ZodObject | undefined,
  Q extends ZodObject | undefined,
  B extends ZodType | undefined,
  H extends ZodObject | undefined = undefined,
>(target: OperationTarget, operation: Operation<P, Q, B, H>): void {
  documentOperation(target.registry, operation);
  recordMethod(target, operation.path, operation.method);
  const guards: GuardHandler[] = operation.access === 'public' ? [] : target.admitCaller;
  target.router[operation.method](operation.path, ...guards, async (req: Request, res: Response) => {
    const user = operation.access === 'public' ? publicCaller : currentUser(res);
    if (operation.access !== 'public' && operation.access !== 'authenticated') assertMayPerform(user, operation.access);
    if (operation.body && req.body === undefined && hasBody(req) && !req.is('application/json')) {
      throw new HttpError(
        415,
        ApiErrorCode.UnsupportedMediaType,
        'Send the request body as JSON with Content-Type: application/json',
      );
    }
    if (operation.body && !isJsonObject(req.body)) {
      throw new HttpError(
        400,
        ApiErrorCode.InvalidInput,
        `The request body must be a JSON object ({...}), not ${describeJson(req.body)}`,
      );
    }
    const context: OperationContext<P, Q, B, H> = {
      req,
      res,
      params: (operation.params ? operation.params.parse(req.params) : undefined) as Parsed<P>,
      query: (operation.query ? operation.query.parse(req.query) : undefined) as Parsed<Q>,
      body: (operation.body ? operation.body.parse(req.body) : undefined) as Parsed<B>,
      headers: (operation.headers ? operation.headers.parse(req.headers) : undefined) as Parsed<H>,
      user,
    };
    if (isAbandoned(res)) return;
    const result = await operation.handle(context);
    if (res.headersSent) return;
    res.status(operation.success.status);
    if (operation.success.contentType === 'text/html') res.type('html').send(result);
    else if (result === undefined) res.end();
    else res.json(result);
  });
}

const methodsByPath = new WeakMap<Router, Map<string, Set<string>>>();

function recordMethod(target: OperationTarget, path: string, method: string): void {
  const paths = methodsByPath.get(target.router) ?? new Map<string, Set<string>>();
  methodsByPath.set(target.router, paths);
  paths.set(path, (paths.get(path) ?? new Set()).add(method.toUpperCase()));
}

/**
 * Answers a method an operation's path does not take with 405 and the methods it does take (in
 * `Allow`), and OPTIONS with those methods. Mount after every operation, so that they match first.
 */
export function mountMethodFallbacks(target: OperationTarget): void {
  for (const [path, methods] of methodsByPath.get(target.router) ?? []) {
    // HEAD is answered wherever GET is.
    const allowed = [...methods, ...(methods.has('GET') ? ['HEAD'] : []), 'OPTIONS'].sort().join(', ');
    target.router.all(path, (req: Request, res: Response) => {
      res.setHeader('Allow', allowed);
      if (req.method === 'OPTIONS') {
        res.status(204).end();
        return;
      }
      const body: ErrorBody = {
        error: ApiErrorCode.MethodNotAllowed,
        message: `${req.method} is not allowed on ${path}; use ${allowed}`,
        requestId: requestIdOf(res),
        allow: allowed.split(', '),
      };
      res.status(405).json(body);
    });
  }
}

function isJsonObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeJson(value: unknown): string {
  if (value === undefined) return 'an empty body';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/** Stands in for the user on public operations, holding no role so that no check can pass by accident. */
const publicCaller: AuthenticatedUser = Object.freeze({ id: '', name: 'anonymous', roles: [], brandId: '' });
