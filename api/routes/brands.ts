/**
 * Brand-wide publishing pause. The brand's flag decides for posts created from now on; every
 * post not yet published is told through its workflow's brandPause signal.
 */
import { WorkflowNotFoundError } from '@temporalio/common';
import type { PostStage } from '../../domain/types';
import { brandPause, postWorkflowId } from '../../workflows/messages';
import { coversBrand, type AuthenticatedUser } from '../auth';
import { notFound } from '../errors';
import { mountOperation, type OperationTarget } from '../operations';
import { BrandIdParams, BrandPauseResponse, PauseBrandBody, EmptyBody } from '../schemas';
import type { ApiServices } from '../services';

/** Stages in which a post has not started publishing, so a pause still holds it back. */
const NOT_YET_PUBLISHED: PostStage[] = [
  'ideation',
  'drafting',
  'design',
  'copy_edit',
  'legal_review',
  'final_approval',
  'scheduled',
];
const PAGE_SIZE = 200;
/** Signals sent at once; enough to be quick for a busy brand without flooding Temporal. */
const SIGNAL_CONCURRENCY = 8;

export function mountBrandRoutes(target: OperationTarget, services: ApiServices): void {
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
    if (!coversBrand(user, brandId)) throw notFound('No such brand');
    const brand = await services.brands.setPublishingPaused({ brandId, paused, reason: reason ?? null });
    if (!brand) throw notFound('No such brand');

    const postIds = await notYetPublishedPosts(services, brandId);
    const notReached: string[] = [];
    const signal = { paused, by: user.id, ...(reason !== undefined ? { reason } : {}) };
    await forEachLimited(postIds, SIGNAL_CONCURRENCY, async (postId) => {
      try {
        await services.callTemporal(() =>
          services.temporal.workflow.getHandle(postWorkflowId(postId)).signal(brandPause, signal),
        );
      } catch (error) {
        // A workflow that has finished since the projection was read has nothing left to publish.
        if (error instanceof WorkflowNotFoundError) notReached.push(postId);
        else throw error;
      }
    });
    return {
      brandId,
      paused: brand.publishingPaused,
      pausedReason: brand.pausedReason,
      postsSignalled: postIds.length - notReached.length,
      postsNotReached: notReached.sort(),
    };
  }

  mountOperation(target, {
    method: 'post',
    path: '/v1/brands/:id/pause',
    operationId: 'pauseBrand',
    tag: 'brands',
    summary: "Pause the brand's publishing",
    description:
      'Scheduled posts wait at their publish time until the brand resumes; reviews carry on. Posts created ' +
      'while paused start paused. Repeating the call re-sends the pause to every post, so a 503 part-way is ' +
      'safe to retry.',
    access: 'pauseBrand',
    params: BrandIdParams,
    body: PauseBrandBody,
    errors: [404],
    success: { status: 200, description: 'The brand is paused', schema: BrandPauseResponse },
    handle: ({ params, body, user }) =>
      setPaused({ user, brandId: params.id, paused: true, ...(body.reason ? { reason: body.reason } : {}) }),
  });

  mountOperation(target, {
    method: 'post',
    path: '/v1/brands/:id/resume',
    operationId: 'resumeBrand',
    tag: 'brands',
    summary: "Resume the brand's publishing",
    description: 'Posts whose publish time passed while paused publish right away.',
    access: 'pauseBrand',
    params: BrandIdParams,
    body: EmptyBody,
    errors: [404],
    success: { status: 200, description: 'The brand publishes again', schema: BrandPauseResponse },
    handle: ({ params, user }) => setPaused({ user, brandId: params.id, paused: false }),
  });
}

async function notYetPublishedPosts(services: ApiServices, brandId: string): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; ; offset += PAGE_SIZE) {
    const page = await services.posts.list({ brandId, stage: NOT_YET_PUBLISHED, limit: PAGE_SIZE, offset });
    ids.push(...page.items.map((post) => post.id));
    if (page.items.length < PAGE_SIZE) return ids;
  }
}

async function forEachLimited<T>(items: T[], concurrency: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++];
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}
