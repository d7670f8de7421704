/**
 * A brand's publishing pause. Pausing and resuming are carried out by the brand's workflow
 * (`brand:<brandId>`): it records the brand's flag, tells every post not yet published, and shows
 * its progress. The API only asks it, so when Temporal cannot be reached nothing changes.
 */
import { WithStartWorkflowOperation } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import {
  BRAND_PUBLISHING_WORKFLOW_TYPE,
  brandWorkflowId,
  getBrandPublishing,
  setPublishing,
  type BrandOperation,
  type BrandPublishingInput,
} from '../../workflows/brand/messages';
import type { Brand } from '../../db/brands';
import { coversBrand, type AuthenticatedUser } from '../auth';
import { classifyError, notFound } from '../errors';
import { mountOperation, type OperationTarget } from '../operations';
import { BrandIdParams, BrandPauseResponse, BrandPublishingResponse, EmptyBody, PauseBrandBody } from '../schemas';
import type { ApiServices } from '../services';

/** A read should not wait long on a workflow that cannot answer; the brand's flag is a fine answer. */
const LIVE_STATE_DEADLINE_MS = 5_000;

export function mountBrandRoutes(target: OperationTarget, services: ApiServices): void {
  async function visibleBrand(user: AuthenticatedUser, brandId: string): Promise<Brand> {
    const brand = coversBrand(user, brandId) ? await services.brands.findById(brandId) : undefined;
    if (!brand) throw notFound('No such brand');
    return brand;
  }

  async function setPaused({
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
    const operation = await services.callTemporal(() =>
      services.temporal.workflow.executeUpdateWithStart(setPublishing, {
        args: [{ paused, by: user.id, ...(reason !== undefined ? { reason } : {}) }],
        startWorkflowOperation: new WithStartWorkflowOperation(BRAND_PUBLISHING_WORKFLOW_TYPE, {
          workflowId: brandWorkflowId(brandId),
          taskQueue: services.taskQueue,
          args: [{ brandId } satisfies BrandPublishingInput],
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      }),
    );
    return pauseAnswer(brandId, operation);
  }

  mountOperation(target, {
    method: 'post',
    path: '/v1/brands/:id/pause',
    operationId: 'pauseBrand',
    tag: 'brands',
    summary: "Pause the brand's publishing",
    description:
      'Scheduled posts wait at their publish time until the brand resumes; reviews carry on. Posts created ' +
      "while paused start paused. The brand's workflow `brand:<id>` carries out pause and resume requests " +
      'one after the other: it records the flag, then tells every post not yet published. The answer comes ' +
      'once every post has been told, or after a few seconds with the progress so far; ' +
      '`GET /v1/brands/{id}/publishing` follows it. A 503 means nothing was changed.',
    access: 'pauseBrand',
    params: BrandIdParams,
    body: PauseBrandBody,
    errors: [404, 409],
    success: { status: 200, description: 'The pause is recorded and under way', schema: BrandPauseResponse },
    handle: ({ params, body, user }) =>
      setPaused({ user, brandId: params.id, paused: true, ...(body.reason ? { reason: body.reason } : {}) }),
  });

  mountOperation(target, {
    method: 'post',
    path: '/v1/brands/:id/resume',
    operationId: 'resumeBrand',
    tag: 'brands',
    summary: "Resume the brand's publishing",
    description:
      'Posts whose publish time passed while paused publish right away. Carried out like a pause, after ' +
      'any request before it.',
    access: 'pauseBrand',
    params: BrandIdParams,
    body: EmptyBody,
    errors: [404, 409],
    success: { status: 200, description: 'The resume is recorded and under way', schema: BrandPauseResponse },
    handle: ({ params, user }) => setPaused({ user, brandId: params.id, paused: false }),
  });

  mountOperation(target, {
    method: 'get',
    path: '/v1/brands/:id/publishing',
    operationId: 'getBrandPublishing',
    tag: 'brands',
    summary: "The brand's publishing pause and the progress of its requests",
    description:
      "The brand's flag from Postgres and, from its workflow, the latest pause and resume requests with " +
      'their progress. When the workflow cannot answer, `source` is `database` and `staleReason` says why.',
    access: 'readPosts',
    params: BrandIdParams,
    errors: [404],
    success: { status: 200, description: "The brand's publishing state", schema: BrandPublishingResponse },
    handle: async ({ params, user }) => {
      const brand = await visibleBrand(user, params.id);
      const flag = { brandId: brand.id, paused: brand.publishingPaused, pausedReason: brand.pausedReason };
      try {
        const live = await services.callTemporal(
          () => services.temporal.workflow.getHandle(brandWorkflowId(brand.id)).query(getBrandPublishing),
          { deadlineMs: LIVE_STATE_DEADLINE_MS },
        );
        return { ...flag, source: 'workflow', operations: live.operations };
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) {
          return { ...flag, source: 'database', staleReason: 'the brand was never paused or resumed', operations: [] };
        }
        const staleReason =
          classifyError(error).status === 503 ? 'Temporal did not answer' : 'the workflow could not answer';
        services.logger.warn({ err: error, brandId: brand.id }, 'serving the brand flag without its operations');
        return { ...flag, source: 'database', staleReason, operations: [] };
      }
    },
  });
}

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
