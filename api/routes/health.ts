/** Liveness and readiness: is the process up, and can it reach what it needs to serve requests. */
import type { ApiServices } from '../services';
import { mountOperation, type OperationTarget } from '../operations';
import { HealthResponse, ReadinessResponse } from '../schemas';

export function mountHealthRoutes(target: OperationTarget, { health }: Pick<ApiServices, 'health'>): void {
  mountOperation(target, {
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    tag: 'health',
    summary: 'Liveness: the process is up',
    access: 'public',
    success: { status: 200, description: 'The process is alive', schema: HealthResponse },
    handle: () => ({ status: 'ok' }),
  });

  mountOperation(target, {
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    tag: 'health',
    summary: 'Readiness: Postgres and Temporal are reachable',
    access: 'public',
    success: { status: 200, description: 'Both dependencies answered', schema: ReadinessResponse },
    otherResponses: { 503: { description: 'A dependency did not answer', schema: ReadinessResponse } },
    handle: async ({ res }) => {
      const { ready, checks } = await health.readiness();
      res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks });
    },
  });
}
