/**
 * Prometheus metrics of one API process at GET /metrics: request counts and latencies by route
 * pattern (never by raw path, so ids do not explode the label set) and Node's process metrics.
 */
import type { Express, RequestHandler } from 'express';
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ApiMetrics {
  registry: Registry;
  recordRequests: RequestHandler;
  mount(app: Express): void;
}

export function createApiMetrics(): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'socialops_api_' });
  const requestDuration = new Histogram({
    name: 'socialops_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status, with their duration',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  const recordRequests: RequestHandler = (req, res, next) => {
    const stopTimer = requestDuration.startTimer();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      stopTimer({
        method: req.method,
        route: route ? `${req.baseUrl}${route}` : 'unmatched',
        status: String(res.statusCode),
      });
    });
    next();
  };

  return {
    registry,
    recordRequests,
    mount(app) {
      app.get('/metrics', (_req, res, next) => {
        registry
          .metrics()
          .then((text) => {
            res.setHeader('Content-Type', registry.contentType);
            res.send(text);
          })
          .catch(next);
      });
    },
  };
}
