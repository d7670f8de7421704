/**
 * A brand's crisis protection: its policy (versioned, the defaults when unset), its crisis state
 * from the `brand_crises` projection with the monitor's live view, and the declare, confirm and
 * end actions, which the brand's monitor (`crisis:<brandId>`) validates and carries out.
 */
import { WithStartWorkflowOperation, type UpdateDefinition } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Logger } from 'pino';
import type { BrandStore } from '../../db/brands';
import type { CrisisStore } from '../../db/crisis';
import { DEFAULT_CRISIS_POLICY, validateCrisisPolicy, type CrisisPolicy } from '../../domain/crisis';
import {
  confirmCrisis,
  CRISIS_WORKFLOW_TYPE,
  crisisWorkflowId,
  declareCrisis,
  endCrisis,
  getCrisisState,
  type CrisisMonitorInput,
  type CrisisUpdateResult,
} from '../../workflows/crisis/messages';
import { actorOf, coversBrand, type AuthenticatedUser } from './caller';
import { notFound } from './errors';
import { invalidProblems } from './problemPaths';
import type { TemporalAccess } from './temporal';

const LIVE_STATE_DEADLINE_MS = 5_000;
const RECENT_CRISES = 10;

export interface CrisisServiceDeps {
  brands: Pick<BrandStore, 'findById'>;
  crises: Pick<CrisisStore, 'currentPolicy' | 'appendPolicy' | 'openCrisis' | 'recentCrises'>;
  temporal: TemporalAccess;
  logger: Logger;
}

type Input = { user: AuthenticatedUser; brandId: string };

export function createCrisisService({ brands, crises, temporal, logger }: CrisisServiceDeps) {
  async function visibleBrandId(user: AuthenticatedUser, brandId: string): Promise<string> {
    const brand = coversBrand(user, brandId) ? await brands.findById(brandId) : undefined;
    if (!brand) throw notFound('No such brand');
    return brand.id;
  }

  function policyAnswer(
    brandId: string,
    stored: { policy: CrisisPolicy; createdBy: string; createdAt: string } | undefined,
  ) {
    return {
      brandId,
      source: stored ? ('brand' as const) : ('default' as const),
      createdBy: stored?.createdBy ?? null,
      createdAt: stored?.createdAt ?? null,
      ...(stored?.policy ?? DEFAULT_CRISIS_POLICY),
    };
  }

  /** Asks the brand's monitor (started if it is not running) to carry out one action. */
  async function act<Request>(
    { user, brandId }: Input,
    update: UpdateDefinition<CrisisUpdateResult, [Request]>,
    request: Request,
  ) {
    const id = await visibleBrandId(user, brandId);
    const result = await temporal.call(() =>
      temporal.workflow.executeUpdateWithStart(update, {
        args: [request],
        startWorkflowOperation: new WithStartWorkflowOperation(CRISIS_WORKFLOW_TYPE, {
          workflowId: crisisWorkflowId(id),
          taskQueue: temporal.taskQueue,
          args: [{ brandId: id } satisfies CrisisMonitorInput],
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      }),
    );
    return { brandId: id, status: result.status, crisisId: result.crisisId };
  }

  return {
    async policy({ user, brandId }: Input) {
      const id = await visibleBrandId(user, brandId);
      return policyAnswer(id, await crises.currentPolicy({ brandId: id }));
    },

    async setPolicy({ user, brandId, policy }: Input & { policy: Partial<Omit<CrisisPolicy, 'version'>> }) {
      const id = await visibleBrandId(user, brandId);
      const given = Object.fromEntries(Object.entries(policy).filter(([, value]) => value !== undefined));
      const whole: CrisisPolicy = { ...DEFAULT_CRISIS_POLICY, ...given, version: DEFAULT_CRISIS_POLICY.version + 1 };
      const problems = validateCrisisPolicy({ policy: whole });
      if (problems.length > 0) {
        throw invalidProblems(problems.map((problem) => ({ path: problem.path.join('.'), message: problem.message })));
      }
      const { version: _version, ...value } = whole;
      const stored = await crises.appendPolicy({ brandId: id, policy: value, createdBy: user.id });
      if (!stored) throw notFound('No such brand');
      return policyAnswer(id, stored);
    },

    /** The open crisis and the latest ones from Postgres, with the monitor's live view when it answers. */
    async state({ user, brandId }: Input) {
      const id = await visibleBrandId(user, brandId);
      const [open, recent] = await Promise.all([
        crises.openCrisis({ brandId: id }),
        crises.recentCrises({ brandId: id, limit: RECENT_CRISES }),
      ]);
      let monitor = null;
      try {
        const live = await temporal.call(
          () => temporal.workflow.getHandle(crisisWorkflowId(id)).query(getCrisisState),
          {
            deadlineMs: LIVE_STATE_DEADLINE_MS,
          },
        );
        monitor = { status: live.status, lastReading: live.lastReading, posts: live.posts };
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) {
          logger.warn({ err: error, brandId: id }, 'serving the crisis state without the monitor');
        }
      }
      return { brandId: id, status: open?.status ?? ('none' as const), crisis: open ?? null, recent, monitor };
    },

    declare: (input: Input & { reason: string }) =>
      act(input, declareCrisis, { by: actorOf(input.user), reason: input.reason }),
    confirm: (input: Input & { reason?: string }) =>
      act(input, confirmCrisis, {
        by: actorOf(input.user),
        ...(input.reason !== undefined ? { reason: input.reason } : {}),
      }),
    end: (input: Input & { reason: string }) =>
      act(input, endCrisis, { by: actorOf(input.user), reason: input.reason }),
  };
}

export type CrisisService = ReturnType<typeof createCrisisService>;
