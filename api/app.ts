/**
 * The HTTP API as an express app. It holds no state of its own: posts live in their Temporal
 * workflows and their projections in Postgres, so any number of copies can serve side by side.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import express, { type Express, type RequestHandler } from 'express';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { authenticate } from './auth';
import { errorHandler, malformedPath, routeNotFound } from './errors';
import { createOpenApiRegistry, mountDocumentationRoutes } from './openapi';
import { mountAccountRoutes } from './routes/accounts';
import { mountAdminRoutes } from './routes/admin';
import { mountMethodFallbacks, type OperationTarget } from './operations';
import { DEFAULT_REQUEST_BUDGET_MS, requestBudget } from './requestBudget';
import { mountBrandRoutes } from './routes/brands';
import { mountCrisisRoutes } from './routes/crisis';
import { mountCampaignRoutes } from './routes/campaigns';
import { mountCalendarRoutes } from './routes/calendar';
import { mountHealthRoutes } from './routes/health';
import { keepRawInboundBody } from './inboundSignature';
import { mountInboundRoutes } from './routes/inbound';
import { createInboundBudget } from './inboundBudget';
import { mountThreadRoutes } from './routes/threads';
import { mountThreadSettingsRoutes } from './routes/threadSettings';
import { mountQueueRoutes } from './routes/queues';
import { mountReportRoutes } from './routes/reports';
import { mountPostRoutes } from './routes/posts';
import { mountReviewQueueRoutes } from './routes/reviewQueue';
import { DEFAULT_TEMPORAL_DEADLINE_MS, createServices } from './services';
import { createApiMetrics } from './metrics';
import { createRequestBudgets } from './rateLimit';

export const DEFAULT_BODY_LIMIT = '256kb';

export interface AppOptions {
  db: Knex;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  /** Largest accepted JSON body (express size syntax); larger ones get 413. */
  bodyLimit?: string;
  /** How long one Temporal call may take before the request fails with 503. */
  temporalDeadlineMs?: number;
  /**
   * How long a whole request may take before it is answered with 503 `request_timeout`. Never
   * less than a Temporal call's deadline and a few seconds more, so that an unreachable Temporal
   * is reported as such.
   */
  requestBudgetMs?: number;
  /** Base URL announced in the OpenAPI document's `servers`. */
  publicBaseUrl?: string;
  /**
   * Requests per minute each API user may make, and each client address with a missing or wrong
   * key; beyond that, 429. Absent or 0: no limit. Absent is deliberately not the configured
   * default: programs that build the app themselves, such as tests and benchmarks polling hard
   * with one key, are never throttled by surprise. Only the process entry points (api/main.ts,
   * `npm start`) pass API_RATE_LIMIT_PER_MINUTE, whose own default does limit.
   */
  rateLimitPerMinute?: number;
  /**
   * Inbound events each account may deliver per minute; beyond that, 429. Absent or 0: no limit
   * (absent for the same reason as `rateLimitPerMinute`).
   */
  inboundRateLimitPerMinute?: number;
  /** The key inbound webhook secrets are encrypted with at rest (INBOUND_SECRET_KEY). */
  inboundSecretKey: Buffer;
  /** Express's `trust proxy`: proxy hops or addresses whose X-Forwarded-For names the client. */
  trustProxy?: number | string[];
}

export function createApp(options: AppOptions): Express {
  const { logger } = options;
  const services = createServices(options);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (options.trustProxy !== undefined) app.set('trust proxy', options.trustProxy);

  const metrics = createApiMetrics();
  app.use(assignRequestId);
  app.use(metrics.recordRequests);
  app.use(logRequest(logger));
  app.use(
    requestBudget({
      budgetMs:
        options.requestBudgetMs ??
        Math.max(DEFAULT_REQUEST_BUDGET_MS, (options.temporalDeadlineMs ?? DEFAULT_TEMPORAL_DEADLINE_MS) + 5_000),
      logger,
    }),
  );
  app.use(rejectMalformedPath);
  // Not strict: any JSON value parses, so that a body that is valid JSON but not an object is told
  // exactly that (see mountOperation) instead of being called invalid JSON.
  // Inbound webhooks are signed over their raw bytes, which the parser keeps for those routes.
  app.use(express.json({ limit: options.bodyLimit ?? DEFAULT_BODY_LIMIT, strict: false, verify: keepRawInboundBody }));

  const router = express.Router();
  const budgets = createRequestBudgets({ perMinute: options.rateLimitPerMinute, logger });
  const target: OperationTarget = {
    router,
    registry: createOpenApiRegistry(),
    // Budgets are judged once the key is known, so that a valid key is never refused for what
    // others at the same address sent.
    admitCaller: [authenticate({ users: services.users, logger }), ...budgets.afterAuthentication],
  };
  mountHealthRoutes(target, services);
  mountPostRoutes(target, services);
  mountReviewQueueRoutes(target, services);
  mountCalendarRoutes(target, services);
  mountBrandRoutes(target, services);
  mountCampaignRoutes(target, services);
  mountAdminRoutes(target, services);
  mountAccountRoutes(target, services);
  mountInboundRoutes(target, services, createInboundBudget({ perMinute: options.inboundRateLimitPerMinute }));
  mountThreadRoutes(target, services);
  mountThreadSettingsRoutes(target, services);
  mountQueueRoutes(target, services);
  mountReportRoutes(target, services);
  mountCrisisRoutes(target, services);
  mountDocumentationRoutes(target, { serverUrl: options.publicBaseUrl });
  mountMethodFallbacks(target);
  app.use(router);
  metrics.mount(app);

  app.use(routeNotFound);
  app.use(errorHandler(logger));
  return app;
}

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Every response carries a request id (the caller's, if it sent a sane one) to quote in support requests. */
const assignRequestId: RequestHandler = (req, res, next) => {
  const offered = req.get('x-request-id');
  const requestId = offered && CLIENT_REQUEST_ID.test(offered) ? offered : randomUUID();
  res.locals.requestId = requestId;
  res.setHeader('X-Request-Id', requestId);
  next();
};

/**
 * Paths must decode to UTF-8 text before any route sees them; otherwise the router's own decoding
 * fails deep inside matching, for every method.
 */
const rejectMalformedPath: RequestHandler = (req, _res, next) => {
  try {
    decodeURIComponent(req.path);
  } catch {
    next(malformedPath());
    return;
  }
  next();
};

function logRequest(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      logger.info(
        {
          requestId: res.locals.requestId as string,
          method: req.method,
          path: req.originalUrl,
          status: res.statusCode,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          userId: (res.locals.user as { id?: string } | undefined)?.id,
        },
        'request',
      );
    });
    next();
  };
}
