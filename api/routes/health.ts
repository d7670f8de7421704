/** Liveness and readiness: is the process up, and can it reach what it needs to serve requests. */
import type { ApiServices } from '../services';
import { mountOperation, type OperationTarget } from '../operations';
import { HealthResponse, ReadinessResponse } from '../schemas';

/** How long each readiness check may take before the dependency counts as unreachable. */
const READINESS_CHECK_MS = 3_000;

export function mountHealthRoutes(target: OperationTarget, services: ApiServices): void {
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
      const [postgres, temporal] = await Promise.all([
        check(() => services.db.raw('select 1')),
        check(() =>
          services.callTemporal(() => services.temporal.connection.workflowService.getSystemInfo({}), {
            deadlineMs: READINESS_CHECK_MS,
          }),
        ),
      ]);
      const ready = postgres.ok && temporal.ok;
      if (!ready) services.logger.warn({ postgres, temporal }, 'not ready');
      res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks: { postgres, temporal } });
    },
  });
}

async function check(probe: () => PromiseLike<unknown>): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${READINESS_CHECK_MS} ms`)), READINESS_CHECK_MS);
  });
  try {
    await Promise.race([probe(), timeout]);
    return { ok: true };
  } catch (error) {
    // The endpoint is public: say what kind of failure it was, not where the dependency lives.
    const code = (error as { code?: unknown }).code;
    const kind = error instanceof Error && error.message.startsWith('no answer within') ? error.message : 'unreachable';
    return { ok: false, error: typeof code === 'string' && /^[A-Z_]+$/.test(code) ? `${kind} (${code})` : kind };
  } finally {
    clearTimeout(timer);
  }
}
