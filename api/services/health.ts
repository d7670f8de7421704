/** Readiness: can the process reach Postgres and Temporal right now. */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { CallTemporal } from './temporal';

/** How long each readiness check may take before the dependency counts as unreachable. */
const READINESS_CHECK_MS = 3_000;

export interface DependencyCheck {
  ok: boolean;
  error?: string;
}

export function createHealthService({
  db,
  systemInfo,
  call,
  logger,
}: {
  db: Pick<Knex, 'raw'>;
  /** Temporal's cheapest call, which any reachable frontend answers. */
  systemInfo: () => Promise<unknown>;
  call: CallTemporal;
  logger: Logger;
}) {
  return {
    async readiness(): Promise<{ ready: boolean; checks: { postgres: DependencyCheck; temporal: DependencyCheck } }> {
      const [postgres, temporal] = await Promise.all([
        check(() => db.raw('select 1')),
        check(() => call(systemInfo, { deadlineMs: READINESS_CHECK_MS })),
      ]);
      const ready = postgres.ok && temporal.ok;
      if (!ready) logger.warn({ postgres, temporal }, 'not ready');
      return { ready, checks: { postgres, temporal } };
    },
  };
}

export type HealthService = ReturnType<typeof createHealthService>;

async function check(probe: () => PromiseLike<unknown>): Promise<DependencyCheck> {
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
