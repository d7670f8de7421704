/** A brand's publishing pause and the progress of its requests. */
import { PASSED_PUBLISH_TIME_CHOICES } from '../../domain/crisis/policy';
import { LATE_PUBLISHING_LIMITS } from '../../domain/latePublishing';
import { TEXT } from '../../domain/limits';
import { BRAND_OPERATION_STATUSES } from '../../workflows/brand/messages';
import { Identifier, Text, z } from './common';

export const BrandIdParams = z.object({
  id: Identifier.openapi({ param: { description: 'Brand id' }, example: 'demo' }),
});
export const PauseBrandBody = z
  .object({ reason: Text(TEXT.pauseReason, { trim: true }).optional() })
  .openapi('PauseBrand');

export const BrandOperationResponse = z
  .object({
    operationId: z.string(),
    paused: z.boolean().openapi({ description: 'What was asked: pause (true) or resume (false)' }),
    by: z.string(),
    reason: z.string().optional(),
    status: z.enum(BRAND_OPERATION_STATUSES).openapi({
      description:
        'queued (waits for earlier requests), recording (the flag), signalling (the posts), ' +
        'checking_late_posts (posts whose creation began before the flag changed), done, failed',
    }),
    requestedAt: z.string(),
    startedAt: z.string().optional(),
    finishedAt: z.string().optional(),
    postsFound: z.number().int().openapi({ description: 'Not-yet-published posts found so far' }),
    postsSignalled: z.number().int().openapi({ description: 'Posts told so far' }),
    postsNotReached: z
      .array(z.string())
      .openapi({ description: 'Posts whose workflow could not be told: it had finished, or never started' }),
    error: z.string().optional(),
  })
  .openapi('BrandOperation');

export const BrandPauseResponse = z
  .object({
    brandId: z.string(),
    paused: z.boolean().openapi({ description: 'The state asked for' }),
    pausedReason: z.string().nullable(),
    postsSignalled: z.number().int().openapi({ description: "Not-yet-published posts told so far (the operation's)" }),
    postsNotReached: z
      .array(z.string())
      .openapi({ description: "Posts whose workflow could not be told so far (the operation's)" }),
    operation: BrandOperationResponse,
  })
  .openapi('BrandPause');
export const BrandPublishingResponse = z
  .object({
    brandId: z.string(),
    paused: z.boolean().openapi({ description: "The brand's flag, which posts created now read" }),
    pausedReason: z.string().nullable(),
    source: z
      .enum(['workflow', 'database'])
      .openapi({ description: 'Whether the operations come from the brand workflow, or none could be read' }),
    staleReason: z.string().optional(),
    operations: z
      .array(BrandOperationResponse)
      .openapi({ description: 'Latest finished, running and waiting pause and resume requests, oldest first' }),
  })
  .openapi('BrandPublishing');

const latePublishingFields = {
  passedPublishTime: z.enum(PASSED_PUBLISH_TIME_CHOICES).openapi({
    description:
      'What a post whose publish timer fires more than `toleranceMinutes` late does (the system was down ' +
      'across its publish time): `publish` at once, or `hold_for_review` until a reschedule or publish-now',
  }),
  toleranceMinutes: z
    .number()
    .int()
    .min(LATE_PUBLISHING_LIMITS.minToleranceMinutes)
    .max(LATE_PUBLISHING_LIMITS.maxToleranceMinutes)
    .openapi({ description: 'How late a publication may still go out when late ones are held' }),
};

export const LatePublishingBody = z
  .object({
    passedPublishTime: latePublishingFields.passedPublishTime,
    toleranceMinutes: latePublishingFields.toleranceMinutes.optional(),
  })
  .strict()
  .openapi('LatePublishingInput', { description: 'A tolerance left out takes the default (5 minutes)' });

export const LatePublishingResponse = z
  .object({ brandId: z.string(), ...latePublishingFields })
  .openapi('LatePublishing');
