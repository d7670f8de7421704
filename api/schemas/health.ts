/** Liveness and readiness. */
import { z } from './common';

export const HealthResponse = z.object({ status: z.literal('ok') }).openapi('Health');

export const ReadinessResponse = z
  .object({
    status: z.enum(['ready', 'unavailable']),
    checks: z.object({
      postgres: z.object({ ok: z.boolean(), error: z.string().optional() }),
      temporal: z.object({ ok: z.boolean(), error: z.string().optional() }),
    }),
  })
  .openapi('Readiness');
