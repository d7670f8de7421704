/**
 * A brand's publishing pause. Pausing and resuming are carried out by the brand's workflow
 * (`brand:<brandId>`): it records the brand's flag, tells every post not yet published, and shows
 * its progress. This only asks it, so when Temporal cannot be reached nothing changes.
 */
import { WithStartWorkflowOperation } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { Logger } from 'pino';
import type { Brand, BrandStore } from '../../db/brands';
import {
  DEFAULT_LATE_PUBLISHING,
  latePublishingProblems,
  type LatePublishingPolicy,
} from '../../domain/latePublishing';
import {
  BRAND_PUBLISHING_WORKFLOW_TYPE,
  brandWorkflowId,
  getBrandPublishing,
  setPublishing,
  type BrandOperation,
  type BrandPublishingInput,
} from '../../workflows/brand/messages';
import { coversBrand, type AuthenticatedUser } from './caller';
import { notFound } from './errors';
import { invalidProblems } from './problemPaths';
import type { TemporalAccess } from './temporal';
import { isPostgresUnreachable, isTemporalUnreachable } from './unavailable';

/** A read should not wait long on a workflow that cannot answer; the brand's flag is a fine answer. */
const LIVE_STATE_DEADLINE_MS = 5_000;

export interface BrandServiceDeps {
  brands: Pick<BrandStore, 'findById' | 'setLatePublishing'>;
  temporal: TemporalAccess;
  logger: Logger;
}

export function createBrandService({ brands, temporal, logger }: BrandServiceDeps) {
  async function visibleBrand(user: AuthenticatedUser, brandId: string): Promise<Brand> {
    const brand = coversBrand(user, brandId) ? await brands.findById(brandId) : undefined;
    if (!brand) throw notFound('No such brand');
    return brand;
  }

  return {
    visibleBrand,

    async setPaused({
      user,
      brandId,
      paused,
      reason,
    }: {
      user: AuthenticatedUser;
      brandId: string;
      paused: boolean;
      reason?: string;
    }) {
      await visibleBrand(user, brandId);
      // Requests for one brand queue in its one workflow, which carries them out in order.
      const operation = await temporal.call(() =>
        temporal.workflow.executeUpdateWithStart(setPublishing, {
          args: [{ paused, by: user.id, ...(reason !== undefined ? { reason } : {}) }],
          startWorkflowOperation: new WithStartWorkflowOperation(BRAND_PUBLISHING_WORKFLOW_TYPE, {
            workflowId: brandWorkflowId(brandId),
            taskQueue: temporal.taskQueue,
            args: [{ brandId } satisfies BrandPublishingInput],
            workflowIdConflictPolicy: 'USE_EXISTING',
          }),
        }),
      );
      return pauseAnswer(brandId, operation);
    },

    async latePublishing(user: AuthenticatedUser, brandId: string) {
      const brand = await visibleBrand(user, brandId);
      return { brandId: brand.id, ...brand.latePublishing };
    },

    /** Read by each post whose publish timer fires late, so it applies to posts already scheduled. */
    async setLatePublishing({
      user,
      brandId,
      policy,
    }: {
      user: AuthenticatedUser;
      brandId: string;
      policy: Pick<LatePublishingPolicy, 'passedPublishTime'> & Partial<LatePublishingPolicy>;
    }) {
      await visibleBrand(user, brandId);
      const whole: LatePublishingPolicy = {
        passedPublishTime: policy.passedPublishTime,
        toleranceMinutes: policy.toleranceMinutes ?? DEFAULT_LATE_PUBLISHING.toleranceMinutes,
      };
      const problems = latePublishingProblems(whole);
      if (problems.length > 0) throw invalidProblems(problems);
      const brand = await brands.setLatePublishing({ brandId, policy: whole });
      if (!brand) throw notFound('No such brand');
      return { brandId: brand.id, ...brand.latePublishing };
    },

    /** The brand's flag, with its requests' progress from its workflow when that answers. */
    async publishing(user: AuthenticatedUser, brandId: string) {
      const brand = await visibleBrand(user, brandId);
      const flag = { brandId: brand.id, paused: brand.publishingPaused, pausedReason: brand.pausedReason };
      try {
        const live = await temporal.call(
          () => temporal.workflow.getHandle(brandWorkflowId(brand.id)).query(getBrandPublishing),
          { deadlineMs: LIVE_STATE_DEADLINE_MS },
        );
        return { ...flag, source: 'workflow', operations: live.operations };
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) {
          return { ...flag, source: 'database', staleReason: 'the brand was never paused or resumed', operations: [] };
        }
        const staleReason =
          isTemporalUnreachable(error) || isPostgresUnreachable(error)
            ? 'Temporal did not answer'
            : 'the workflow could not answer';
        logger.warn({ err: error, brandId: brand.id }, 'serving the brand flag without its operations');
        return { ...flag, source: 'database', staleReason, operations: [] };
      }
    },
  };
}

export type BrandService = ReturnType<typeof createBrandService>;

function pauseAnswer(brandId: string, operation: BrandOperation) {
  return {
    brandId,
    paused: operation.paused,
    pausedReason: operation.paused ? (operation.reason ?? null) : null,
    postsSignalled: operation.postsSignalled,
    postsNotReached: operation.postsNotReached,
    operation,
  };
}
