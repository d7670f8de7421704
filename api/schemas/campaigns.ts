/** Campaigns: creating one with its plan, joining posts, acting on all its posts, listing and reading. */
import { CAMPAIGN_STATUSES, MAX_PLAN_ITEMS, ShiftError, parseShift } from '../../domain/campaigns';
import { TEXT } from '../../domain/limits';
import { MAX_CAMPAIGN_PAGE } from '../../db/campaigns';
import { Identifier, IsoInstant, PostStageSchema, Text, z } from './common';
import { PlannedPostBody } from './posts';

const LocalOrInstant = (description: string, example: string) =>
  z
    .string()
    .min(1)
    .max(40)
    .openapi({
      description:
        `${description}: an ISO-8601 instant with Z or an offset, or a local date and time (or a date alone, ` +
        "read as its midnight) in the brand's time zone",
      example,
    });

const Plan = z
  .array(PlannedPostBody)
  .max(MAX_PLAN_ITEMS)
  .openapi({ description: `Posts to create, at most ${MAX_PLAN_ITEMS} per request, created in this order` });

export const CreateCampaignBody = z
  .object({
    brandId: Identifier,
    name: Text(TEXT.title, { trim: true }),
    goal: Text(TEXT.brief).optional(),
    startsAt: LocalOrInstant('When the campaign starts', '2026-12-01'),
    endsAt: LocalOrInstant('When it ends: its report is stored and sent then', '2026-12-31T18:00'),
    ownerId: Identifier.optional().openapi({ description: 'The person answerable for it; default the caller' }),
    utmCampaign: Identifier.optional().openapi({ description: "`utm_campaign` of its posts' links; default its id" }),
    plan: Plan.default([]),
  })
  .openapi('CreateCampaign');
export type CreateCampaignBody = z.infer<typeof CreateCampaignBody>;

export const AddCampaignPostsBody = z.object({ posts: Plan.min(1) }).openapi('AddCampaignPosts');

export const CampaignIdParams = z.object({
  id: Identifier.openapi({ param: { description: 'Campaign id' }, example: 'c0ffee00-0000-4000-8000-000000000001' }),
});

export const CampaignPauseBody = z
  .object({ reason: Text(TEXT.pauseReason, { trim: true }).optional() })
  .openapi('CampaignPause');
export const CampaignResumeBody = z
  .object({
    passedPublishTime: z.enum(['publish', 'hold_for_review']).default('publish').openapi({
      description:
        'A post whose publish time passed while paused: publish at once (default), or wait for a reschedule or publish-now',
    }),
  })
  .openapi('CampaignResume');
export const CampaignCancelBody = z
  .object({ reason: Text(TEXT.cancelReason, { trim: true }) })
  .openapi('CampaignCancel');
export const CampaignShiftBody = z
  .object({
    offset: z
      .string()
      .min(2)
      .max(40)
      .superRefine((value, ctx) => {
        try {
          parseShift(value);
        } catch (error) {
          if (!(error instanceof ShiftError)) throw error;
          ctx.addIssue({ code: 'custom', message: error.message });
        }
      })
      .openapi({
        description:
          "ISO-8601 duration every unpublished post moves by, counted in the brand's zone: P1D keeps a local " +
          '09:00 at 09:00 across a clock change, PT2H is two hours of elapsed time; prefix - to move earlier',
        example: 'P1D',
      }),
    reason: Text(TEXT.pauseReason, { trim: true }).optional(),
  })
  .openapi('CampaignShift');

export const ListCampaignsQuery = z.object({
  brandId: Identifier.optional(),
  status: z.enum(CAMPAIGN_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_CAMPAIGN_PAGE).default(50),
  cursor: z
    .string()
    .min(1)
    .max(500)
    .regex(/^[A-Za-z0-9_-]+$/, 'not a cursor this API issued; pass nextCursor from the previous page')
    .optional()
    .openapi({ description: '`nextCursor` of the previous page' }),
});

export const CampaignIdempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,200}$/, 'use 1 to 200 letters, digits, dots, underscores, colons or dashes')
    .optional()
    .openapi({
      description:
        'Makes a retried request safe: the same key from the same user creates the campaign (or adds the posts) ' +
        'once and answers every repeat with what the first request did.',
      example: 'winter-launch-1',
    }),
});

const PlanProgressSchema = z
  .object({
    total: z.number().int(),
    created: z.number().int(),
    failed: z.number().int(),
    pending: z.number().int(),
    failures: z
      .array(z.object({ position: z.number().int(), postId: z.string(), reason: z.string() }))
      .openapi({ description: 'Planned posts that could not be created, with the reason (the first 100)' }),
  })
  .openapi('CampaignPlanProgress');

export const CampaignSchema = z
  .object({
    id: z.string(),
    workflowId: z.string(),
    brandId: z.string(),
    name: z.string(),
    goal: z.string().nullable(),
    ownerId: z.string().nullable(),
    utmCampaign: z.string(),
    startsAt: IsoInstant,
    endsAt: IsoInstant.nullable(),
    status: z.enum(CAMPAIGN_STATUSES),
    paused: z.boolean(),
    pausedReason: z.string().nullable(),
    cancelReason: z.string().nullable(),
    endedAt: IsoInstant.nullable(),
    createdAt: IsoInstant,
    plan: PlanProgressSchema,
    posts: z
      .object({
        perStage: z.partialRecord(PostStageSchema, z.number().int()),
        total: z.number().int(),
        published: z.number().int(),
        failed: z.number().int(),
        nextDue: IsoInstant.nullable().openapi({ description: 'The soonest publish time of a post not yet published' }),
      })
      .openapi({ description: "The campaign's posts from the posts' projection" }),
  })
  .openapi('Campaign');

export const CampaignListResponse = z
  .object({
    items: z.array(CampaignSchema.omit({ plan: true }).extend({ plan: PlanProgressSchema.omit({ failures: true }) })),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` for the next page; null on the last page' }),
  })
  .openapi('CampaignList');

const CampaignActionSchema = z
  .object({
    actionId: z.string(),
    kind: z.enum(['pause', 'resume', 'cancel', 'shift']),
    by: z.string(),
    reason: z.string().optional(),
    offset: z.string().optional(),
    status: z.enum(['queued', 'running', 'done', 'failed']).openapi({
      description: 'done: every post was told; queued or running: still under way, follow it on GET /v1/campaigns/{id}',
    }),
    requestedAt: z.string(),
    finishedAt: z.string().optional(),
    postsReached: z.number().int(),
    postsNotReached: z.array(z.object({ postId: z.string(), reason: z.string() })),
    postsNotReachedCount: z.number().int(),
    error: z.string().optional(),
  })
  .openapi('CampaignAction');

/** A campaign as GET /v1/campaigns/{id} shows it: with its latest actions from its workflow. */
export const CampaignDetailSchema = CampaignSchema.extend({
  source: z.enum(['workflow', 'database']).openapi({
    description: "workflow: the actions come from the campaign's workflow; database: it could not answer",
  }),
  staleReason: z.string().optional().openapi({ description: 'Why the workflow did not answer' }),
  actions: z.array(CampaignActionSchema).openapi({
    description:
      "The latest actions (finished, running, waiting) from the campaign's workflow; empty when it cannot answer",
  }),
}).openapi('CampaignDetail');

export const CampaignActionResponse = z
  .object({ campaignId: z.string(), action: CampaignActionSchema })
  .openapi('CampaignActionResult');

export const AddedCampaignPostsResponse = z
  .object({
    campaignId: z.string(),
    posts: z.array(z.object({ position: z.number().int(), postId: z.string() })),
  })
  .openapi('AddedCampaignPosts');

export const CampaignReportResponse = z
  .object({
    campaignId: z.string(),
    brandId: z.string(),
    name: z.string(),
    status: z.enum(CAMPAIGN_STATUSES),
    startsAt: z.string(),
    endsAt: z.string().nullable(),
    reportedAt: z.string().nullable().openapi({ description: 'When the report was stored; null for live figures' }),
    posts: z.object({
      total: z.number().int(),
      published: z.number().int(),
      failed: z.number().int(),
      cancelled: z.number().int(),
      open: z.number().int(),
    }),
    perStage: z.partialRecord(PostStageSchema, z.number().int()),
    metrics: z.array(z.record(z.string(), z.unknown())),
    totals: z.record(z.string(), z.unknown()),
  })
  .openapi('CampaignReport');
