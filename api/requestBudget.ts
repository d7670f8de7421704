/**
 * Every request gets a time budget. A request still unanswered when it runs out gets a 503 saying
 * so, instead of holding the client (and a socket) indefinitely; whatever the handler finishes
 * afterwards is dropped, and `res.locals.abandoned` tells it to start nothing new.
 */
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { answerWithError, requestTimedOut } from './errors';

/** Longer than one Temporal call may take, so an unreachable Temporal still answers with its own 503. */
export const DEFAULT_REQUEST_BUDGET_MS = 15_000;

export function requestBudget({ budgetMs, logger }: { budgetMs: number; logger: Logger }): RequestHandler {
  return (req, res, next) => {
    const abandoned = new AbortController();
    res.locals.abandoned = abandoned.signal;
    const timer = setTimeout(() => {
      abandoned.abort();
      answerWithError({ logger, error: requestTimedOut(budgetMs), req, res });
    }, budgetMs);
    // A budget never keeps the process alive on its own, e.g. while a server shuts down.
    timer.unref();
    const stop = () => clearTimeout(timer);
    res.once('finish', stop);
    res.once('close', stop);
    next();
  };
}

/** True once the request's budget has run out and its answer has been given. */
export function isAbandoned(res: { locals: Record<string, unknown> }): boolean {
  return (res.locals.abandoned as AbortSignal | undefined)?.aborted ?? false;
}
