/** A brand's publishing pause over HTTP; the brand service asks the brand's workflow to carry it out. */
import { mountOperation, type OperationTarget } from '../operations';
import {
  BrandIdParams,
  BrandPauseResponse,
  BrandPublishingResponse,
  EmptyBody,
  LatePublishingBody,
  LatePublishingResponse,
  PauseBrandBody,
} from '../schemas';
import type { ApiServices } from '../services';

export function mountBrandRoutes(target: OperationTarget, { brands }: Pick<ApiServices, 'brands'>): void {
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
      brands.setPaused({ user, brandId: params.id, paused: true, ...(body.reason ? { reason: body.reason } : {}) }),
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
    handle: ({ params, user }) => brands.setPaused({ user, brandId: params.id, paused: false }),
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
    handle: ({ params, user }) => brands.publishing(user, params.id),
  });

  mountOperation(target, {
    method: 'get',
    path: '/v1/brands/:id/late-publishing',
    operationId: 'getLatePublishing',
    tag: 'brands',
    summary: 'What a post whose publish timer fires late does',
    description: 'A brand that set nothing publishes late posts at once (`publish`, tolerance 5 minutes).',
    access: 'readPosts',
    params: BrandIdParams,
    errors: [404],
    success: { status: 200, description: "The brand's choice", schema: LatePublishingResponse },
    handle: ({ params, user }) => brands.latePublishing(user, params.id),
  });

  mountOperation(target, {
    method: 'put',
    path: '/v1/brands/:id/late-publishing',
    operationId: 'setLatePublishing',
    tag: 'brands',
    summary: 'Set what a post whose publish timer fires late does',
    description:
      'When the system was down across a post’s publish time, its timer fires when it is back. With ' +
      '`hold_for_review`, a post whose timer fires more than `toleranceMinutes` late is held ' +
      '(`passed_publish_time`) until a reschedule or publish-now; with `publish` it publishes at once. Each ' +
      'post reads the choice when its timer fires, so it applies to posts already scheduled.',
    access: 'pauseBrand',
    params: BrandIdParams,
    body: LatePublishingBody,
    errors: [404],
    success: { status: 200, description: "The brand's choice as stored", schema: LatePublishingResponse },
    handle: ({ params, body, user }) => brands.setLatePublishing({ user, brandId: params.id, policy: body }),
  });
}
