/** Creating, listing, reading and acting on posts. */
import { MAX_PAGE_SIZE } from '../../db/posts';
import { MAX_VARIANTS, TEXT } from '../../domain/limits';
import { REVIEW_STAGES, SENSITIVITY_FLAGS } from '../../domain/types';
import {
  Identifier,
  InstantInput,
  IsoInstant,
  MAX_INT32,
  PlatformSchema,
  PostStageSchema,
  RevisionContentInput,
  RiskTierSchema,
  SensitivityFlagSchema,
  Text,
  TimeZone,
  z,
} from './common';
import { PostStateSchema, PostSummarySchema } from './postState';

/** Offset paging reads and skips every earlier row; further than this, page with the cursor. */
export const MAX_LIST_OFFSET = 10_000;

/** What a post is made of, whether created on its own or planned in a campaign. */
const postFields = {
  title: Text(TEXT.title, { trim: true }),
  brief: Text(TEXT.brief).optional(),
  riskTier: RiskTierSchema,
  flags: z
    .array(SensitivityFlagSchema)
    .max(SENSITIVITY_FLAGS.length)
    .default([])
    .refine((flags) => new Set(flags).size === flags.length, { message: 'flags must not repeat' }),
  urgent: z.boolean().default(false),
  publishAt: z
    .string()
    .min(1)
    .max(40)
    .openapi({
      description:
        'When to publish: an ISO-8601 instant with Z or an offset (2026-12-01T08:00:00Z), or a local date and ' +
        "time without offset (2026-12-01T09:00) read in `timeZone` (default: the brand's time zone). From now " +
        '(a minute of grace) to ten years ahead.',
      example: '2026-12-01T09:00',
    }),
  timeZone: TimeZone.optional().openapi({
    description:
      "IANA zone the publish time is entered in and shown in; default the brand's zone. Stored in its canonical " +
      'spelling (utc → UTC, europe/berlin → Europe/Berlin)',
  }),
  targets: z
    .array(z.object({ accountId: Identifier }))
    .min(1)
    .max(MAX_VARIANTS)
    .optional()
    .openapi({ description: 'Accounts to publish to; the text follows in a revision during drafting' }),
  draft: RevisionContentInput.optional().openapi({
    description: 'Content per account; with it, drafting is done and the post goes straight to review',
  }),
};

function withTargetsOrDraft<T extends z.ZodType<{ targets?: unknown; draft?: unknown }>>(schema: T) {
  return schema
    .refine((body) => body.targets !== undefined || body.draft !== undefined, {
      message: 'give the accounts to publish to: targets, or a draft with a variant per account',
      path: ['targets'],
    })
    .refine((body) => body.targets === undefined || body.draft === undefined, {
      message: "give either targets or a draft, not both (a draft's variants name their accounts)",
      path: ['draft'],
    });
}

export const CreatePostBody = withTargetsOrDraft(
  z.object({ brandId: Identifier, campaignId: Identifier.optional(), ...postFields }),
).openapi('CreatePost');

/** A post in a campaign's plan: a post's fields without brand and campaign, which the campaign gives. */
export const PlannedPostBody = withTargetsOrDraft(z.object(postFields)).openapi('PlannedPost');
export type PlannedPostBody = z.infer<typeof PlannedPostBody>;
export type CreatePostBody = z.infer<typeof CreatePostBody>;

export const PostIdParams = z.object({
  id: Identifier.openapi({ param: { description: 'Post id' }, example: 'b1f7c1de-3d0c-4a8e-9a63-0c1c5a0d9e11' }),
});

export const SubmitRevisionBody = RevisionContentInput.openapi('SubmitRevision');

export const CreatePostHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,200}$/, 'use 1 to 200 letters, digits, dots, underscores, colons or dashes')
    .optional()
    .openapi({
      description:
        'Makes a retried request safe: the same key from the same user creates the post once and answers ' +
        'every repeat with that post.',
      example: 'campaign-7-teaser-1',
    }),
});

export const ReviewBody = z
  .object({
    stage: z.enum(REVIEW_STAGES).openapi({ description: 'The stage being decided', example: 'legal_review' }),
    revision: z.number().int().min(1).max(MAX_INT32).openapi({ description: 'The revision the reviewer looked at' }),
    decision: z.enum(['approve', 'reject', 'request_changes']),
    comment: Text(TEXT.reviewComment).optional(),
  })
  .refine((body) => body.decision === 'approve' || body.comment !== undefined, {
    message: 'say why: a comment is required to reject or request changes',
    path: ['comment'],
  })
  .openapi('Review');

export const RescheduleBody = z
  .object({
    publishAt: z
      .string()
      .min(1)
      .max(40)
      .openapi({
        description:
          "New publish time: an instant with an offset, or a local date-time read in `timeZone` (default the post's); " +
          'from now (a minute of grace) to ten years ahead',
        example: '2026-12-02T10:30',
      }),
    timeZone: TimeZone.optional(),
  })
  .openapi('Reschedule');

export const CancelBody = z.object({ reason: Text(TEXT.cancelReason, { trim: true }) }).openapi('Cancel');

export const PublishNowBody = z
  .object({
    confirmCrisis: z.boolean().optional().openapi({
      description: "Publish although the brand's crisis holds the post; recorded with who confirmed it",
    }),
  })
  .strict()
  .openapi('PublishNow');

export const CreatedPostResponse = z
  .object({
    postId: z.string(),
    workflowId: z.string(),
    stage: PostStageSchema,
    publishAt: IsoInstant,
    timeZone: z.string(),
    brandPaused: z
      .boolean()
      .openapi({ description: 'The brand was paused, so the post will not publish until resumed' }),
    crisisHeld: z.boolean().openapi({
      description: 'The brand is in a crisis: the post starts held and does not publish until the crisis ends',
    }),
  })
  .openapi('CreatedPost');

export const PostDetailResponse = z
  .object({
    source: z.enum(['workflow', 'projection']).openapi({
      description:
        "`workflow`: live state answered by the post's workflow. `projection`: the state last recorded in " +
        'Postgres, served when the workflow has finished or cannot answer right now',
    }),
    staleReason: z.string().optional().openapi({ description: 'Why the live state was not available' }),
    post: PostStateSchema,
  })
  .openapi('PostDetail');

export const ListPostsQuery = z
  .object({
    stage: PostStageSchema.optional(),
    brandId: Identifier.optional(),
    campaignId: Identifier.optional(),
    platform: PlatformSchema.optional(),
    publishFrom: InstantInput.optional().openapi({
      description: 'Publish time at or after this instant (Z or an offset within ±14:00; years 1970 to 9999)',
    }),
    publishTo: InstantInput.optional().openapi({
      description: 'Publish time before this instant (Z or an offset within ±14:00; years 1970 to 9999)',
    }),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
    offset: z.coerce
      .number()
      .int()
      .min(0)
      .max(MAX_LIST_OFFSET)
      .optional()
      .openapi({ description: `Skip this many posts (alternative to cursor), at most ${MAX_LIST_OFFSET}` }),
    cursor: z
      .string()
      .min(1)
      .max(500)
      .regex(/^[A-Za-z0-9_-]+$/, 'not a cursor this API issued; pass nextCursor from the previous page')
      .optional()
      .openapi({ description: '`nextCursor` of the previous page' }),
  })
  .refine((query) => !(query.cursor !== undefined && query.offset !== undefined), {
    message: 'use either cursor or offset, not both',
    path: ['cursor'],
  })
  .refine(
    (query) => !query.publishFrom || !query.publishTo || Date.parse(query.publishFrom) < Date.parse(query.publishTo),
    {
      message: 'publishFrom must be before publishTo',
      path: ['publishTo'],
    },
  );

export const PostListResponse = z
  .object({
    items: z.array(PostSummarySchema),
    total: z.number().int().openapi({ description: 'Posts matching the filters, across all pages' }),
    limit: z.number().int(),
    offset: z.number().int().optional(),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` for the next page; null on the last page' }),
  })
  .openapi('PostList');

export const UpdateAcceptedResponse = z
  .object({
    postId: z.string(),
    result: z.record(z.string(), z.unknown()).openapi({ description: "The workflow's answer to the update" }),
  })
  .openapi('UpdateAccepted');

export const AuditEntrySchema = z
  .object({
    sequence: z.number().int(),
    action: z.string(),
    actorId: z.string(),
    fromStage: z.string().nullable(),
    toStage: z.string().nullable(),
    at: IsoInstant,
    detail: z.record(z.string(), z.unknown()),
  })
  .openapi('AuditEntry');

export const AuditQuery = z.object({
  afterSequence: z.coerce
    .number()
    .int()
    .min(-1)
    .max(MAX_INT32)
    .optional()
    .openapi({ description: 'Entries after this sequence' }),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

export const AuditResponse = z.object({ postId: z.string(), entries: z.array(AuditEntrySchema) }).openapi('AuditTrail');
