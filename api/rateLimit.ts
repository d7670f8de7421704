/**
 * Request budgets, so that one noisy integration cannot starve the others and a client sending
 * wrong keys is slowed down. Every authenticated user has a budget of requests per minute;
 * requests with a missing or wrong key are counted per client address against a budget of their
 * own, which never refuses a request with a valid key: everyone behind one NAT or proxy shares an
 * address, and one of them must not lock the others out. Only operations that need a key pass
 * through here: liveness, readiness, the documentation and /metrics must keep answering probes
 * and scrapers whatever a client does.
 *
 * The counters live in this process's memory. With several API replicas each keeps its own, so a
 * caller whose requests are spread over N replicas may make up to N times the limit.
 */
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type Logger as LimiterLogger, type RateLimitInfo } from 'express-rate-limit';
import type { Logger } from 'pino';
import { currentUser } from './auth';
import { HttpError, tooManyRequests } from './errors';

const WINDOW_MS = 60_000;

export type GuardHandler = RequestHandler | ErrorRequestHandler;

export interface RequestBudgets {
  /** Runs after authentication, including when it failed. */
  afterAuthentication: GuardHandler[];
}

/** Budgets of `perMinute` requests; absent or 0 means no limit at all. */
export function createRequestBudgets({ perMinute, logger }: { perMinute?: number; logger: Logger }): RequestBudgets {
  if (!perMinute) return { afterAuthentication: [] };
  return {
    afterAuthentication: [failedAuthenticationBudget(perMinute, logger), callerBudget(perMinute, logger)],
  };
}

function callerBudget(perMinute: number, logger: Logger): RequestHandler {
  const reason = `rate limit of ${perMinute} requests per minute exceeded`;
  return rateLimit({
    windowMs: WINDOW_MS,
    limit: perMinute,
    // Per user rather than per key: holding more keys buys no more requests.
    keyGenerator: (_req, res) => `user:${currentUser(res).id}`,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (req, _res, next) => next(budgetSpent(reason, limitInfo(req)?.resetTime)),
    logger: limiterLogger(logger),
  });
}

/**
 * Only answers of 401 are counted, once they are known, so that a busy integration's requests in
 * flight (or abandoned by its client) never use this budget. Once an address has spent it, its
 * requests with a missing or wrong key get 429 instead of 401 until its minute is over, while a
 * valid key from the same address is served on its user's own budget. That a right key then
 * stands out from the refusals gives nothing away worth guarding: keys carry 192 random bits.
 *
 * The address is the connection's peer: behind a reverse proxy that is the proxy for every client,
 * unless TRUST_PROXY names it, so that its X-Forwarded-For gives the client's address.
 */
function failedAuthenticationBudget(perMinute: number, logger: Logger): ErrorRequestHandler {
  const reason = `too many requests with a missing or wrong API key from this address (limit ${perMinute} per minute)`;
  const failures = rateLimit({
    windowMs: WINDOW_MS,
    limit: perMinute,
    // IPv6 clients usually hold a whole prefix, so their addresses are grouped by it.
    keyGenerator: (req: Request) => `address:${ipKeyGenerator(req.ip ?? '')}`,
    // Its headers would describe a budget that callers with a valid key do not use.
    standardHeaders: false,
    legacyHeaders: false,
    handler: (req, _res, next) => next(budgetSpent(reason, limitInfo(req)?.resetTime)),
    logger: limiterLogger(logger),
  });

  return (error, req, res, next) => {
    if (!(error instanceof HttpError && error.status === 401)) {
      next(error);
      return;
    }
    void failures(req, res, (refusal?: unknown) => next(refusal ?? error));
  };
}

function budgetSpent(reason: string, resetTime: Date | undefined): HttpError {
  const untilReset = (resetTime?.getTime() ?? Date.now() + WINDOW_MS) - Date.now();
  const retryAfterSeconds = Math.max(1, Math.ceil(untilReset / 1000));
  return tooManyRequests(`${reason}; retry after ${retryAfterSeconds} s`, retryAfterSeconds);
}

function limitInfo(req: Request): RateLimitInfo | undefined {
  return (req as Request & { rateLimit?: RateLimitInfo }).rateLimit;
}

/** The library reports misconfigurations (such as an unexpected X-Forwarded-For) through this. */
function limiterLogger(logger: Logger): LimiterLogger {
  return {
    error: (error, message) => logger.error({ err: error }, message ?? 'rate limiter error'),
    warn: (error, message) => logger.warn({ err: error }, message ?? 'rate limiter warning'),
  };
}
