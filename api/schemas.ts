/**
 * Request and response shapes of the HTTP API. The same zod schemas validate requests and
 * generate the OpenAPI document, so the documentation cannot drift from what is enforced.
 */
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { BRAND_OPERATION_STATUSES } from '../workflows/brand/messages';
import { MAX_PAGE_SIZE } from '../db/posts';
import { MAX_MEDIA_PER_VARIANT, MAX_URL_LENGTH, MAX_VARIANTS, TEXT } from '../domain/limits';
import {
  EARLIEST_YEAR,
  LATEST_YEAR,
  PublishTimeError,
  canonicalInstant,
  canonicalTimeZone,
  daysBetween,
  isValidTimeZone,
  parseLocalDate,
} from '../domain/publishTime';
import { textProblem, unpairedSurrogateAt, type TextRules } from '../domain/text';
import { PLATFORMS, POST_STAGES, REVIEW_STAGES, RISK_TIERS, ROLES, SENSITIVITY_FLAGS } from '../domain/types';

extendZodWithOpenApi(z);

export { z };

/** The longest calendar one request may ask for: a quarter, the longest a planner looks ahead at once. */
export const MAX_CALENDAR_DAYS = 92;
/** Offset paging reads and skips every earlier row; further than this, page with the cursor. */
export const MAX_LIST_OFFSET = 10_000;
/** Sequences and revisions are Postgres integers; a larger number cannot name one. */
const MAX_INT32 = 2_147_483_647;

// ---------- building blocks ----------

/**
 * Free text under the shared text policy (domain/text.ts): no NUL, other controls or unpaired
 * surrogates, length in graphemes, visible text unless the rules allow blank. `trim` removes
 * surrounding whitespace before the checks, for one-line values such as titles and reasons.
 */
export function Text(rules: TextRules, { trim = false }: { trim?: boolean } = {}) {
  const base = trim ? z.string().trim() : z.string();
  return base
    .superRefine((value, ctx) => {
      const problem = textProblem(value, rules);
      if (problem) ctx.addIssue({ code: 'custom', message: problem.message, params: { reason: problem.code } });
    })
    .openapi({
      description:
        `Text of at most ${rules.maxGraphemes} characters (counted as a person sees them)` +
        `${rules.multiline ? ', line breaks allowed' : ', one line'}` +
        `${rules.allowBlank ? '' : ', with something visible'}; no control characters.`,
    });
}

export const Identifier = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'expected letters, digits and . _ : @ - only');

/** An ISO instant read strictly (offsets within ±14:00, years 1970..9999) and passed on in UTC. */
export const InstantInput = z
  .string()
  .max(40)
  .transform((value, ctx) => {
    try {
      return canonicalInstant(value);
    } catch (error) {
      if (!(error instanceof PublishTimeError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
      return z.NEVER;
    }
  })
  .openapi({
    type: 'string',
    format: 'date-time',
    description: `ISO-8601 instant with Z or an offset (at most ±14:00), in the years ${EARLIEST_YEAR} to ${LATEST_YEAR}`,
    example: '2026-12-01T08:00:00Z',
  });

/** An instant as the API answers with it. */
export const IsoInstant = z.iso.datetime({ offset: true }).openapi({
  description: 'ISO-8601 instant with Z or an offset',
  example: '2026-12-01T08:00:00Z',
});

/** An IANA zone, stored in its canonical spelling ("europe/berlin" becomes "Europe/Berlin"). */
export const TimeZone = z
  .string()
  .max(64)
  .refine((value) => isValidTimeZone(value), { message: 'expected an IANA time zone such as Europe/Paris' })
  .transform((value) => canonicalTimeZone(value))
  .openapi({
    type: 'string',
    description: 'IANA time zone; stored in its canonical spelling (utc → UTC)',
    example: 'Europe/Berlin',
  });

export const LocalDate = z
  .string()
  .max(10)
  .refine(
    (value) => {
      try {
        parseLocalDate(value);
        return true;
      } catch {
        return false;
      }
    },
    { message: `expected a calendar day YYYY-MM-DD in the years ${EARLIEST_YEAR} to ${LATEST_YEAR}` },
  )
  .openapi({
    type: 'string',
    format: 'date',
    description: `Calendar day YYYY-MM-DD, years ${EARLIEST_YEAR} to ${LATEST_YEAR}`,
    example: '2026-12-01',
  });

/** An http(s) URL that Postgres can store: no controls, whitespace or unpaired surrogates. */
export const WebUrl = z
  .url({ protocol: /^https?$/ })
  .max(MAX_URL_LENGTH)
  .refine((value) => !/[\p{Cc}\p{White_Space}]/u.test(value) && unpairedSurrogateAt(value) < 0, {
    message: 'a URL may not contain control characters, spaces or unpaired surrogates',
  });

export const RiskTierSchema = z.enum(RISK_TIERS).openapi('RiskTier');
export const SensitivityFlagSchema = z.enum(SENSITIVITY_FLAGS).openapi('SensitivityFlag');
export const PlatformSchema = z.enum(PLATFORMS).openapi('Platform');
export const PostStageSchema = z.enum(POST_STAGES).openapi('PostStage');
export const RoleSchema = z.enum(ROLES).openapi('Role');

export const MediaSchema = z
  .object({
    url: WebUrl,
    kind: z.enum(['image', 'video']),
  })
  .openapi('Media');

export const DraftVariantSchema = z
  .object({
    accountId: Identifier.openapi({ description: "One of the brand's accounts; the platform is the account's" }),
    text: Text(TEXT.variantText),
    media: z.array(MediaSchema).max(MAX_MEDIA_PER_VARIANT).default([]),
  })
  .openapi('DraftVariant');

export const RevisionContentInput = z
  .object({
    variants: z
      .array(DraftVariantSchema)
      .min(1)
      .max(MAX_VARIANTS)
      .refine((variants) => new Set(variants.map((v) => v.accountId)).size === variants.length, {
        message: 'each account may appear only once',
      }),
    note: Text(TEXT.revisionNote).optional(),
  })
  .openapi('RevisionContentInput');

// ---------- errors ----------

export const ErrorResponse = z
  .object({
    error: z.string().openapi({ example: 'conflict' }),
    message: z.string().openapi({ example: 'post is in legal_review, not final_approval' }),
    requestId: z.string(),
    issues: z
      .array(
        z.object({
          code: z.string(),
          path: z.array(z.union([z.string(), z.number()])),
          message: z.string(),
        }),
      )
      .optional()
      .openapi({ description: 'zod validation issues (400 only): the path of each offending field and what is wrong' }),
    reason: z.string().optional().openapi({ description: "The workflow validator's failure type (403/409)" }),
    dependency: z.enum(['temporal', 'postgres']).optional().openapi({ description: 'What is unavailable (503 only)' }),
    revision: z
      .number()
      .int()
      .optional()
      .openapi({ description: 'The revision the quality issues belong to (422 only)' }),
    qualityIssues: z
      .array(
        z.object({
          accountId: z.string().optional(),
          platform: z.string().optional(),
          code: z.string(),
          message: z.string(),
        }),
      )
      .optional()
      .openapi({ description: 'What fails the quality checks (422 only)' }),
    budgetMs: z
      .number()
      .int()
      .optional()
      .openapi({ description: 'The time budget the request ran out of (503 `request_timeout` only)' }),
    allow: z
      .array(z.string())
      .optional()
      .openapi({ description: 'The methods the path takes, as in the Allow header (405 only)' }),
    retryAfterSeconds: z.number().int().optional().openapi({
      description: 'Seconds until the spent request budget is renewed; also sent as Retry-After (429 only)',
    }),
  })
  .openapi('Error');

// ---------- posts ----------

export const CreatePostBody = z
  .object({
    brandId: Identifier,
    campaignId: Identifier.optional(),
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
  })
  .refine((body) => body.targets !== undefined || body.draft !== undefined, {
    message: 'give the accounts to publish to: targets, or a draft with a variant per account',
    path: ['targets'],
  })
  .refine((body) => body.targets === undefined || body.draft === undefined, {
    message: "give either targets or a draft, not both (a draft's variants name their accounts)",
    path: ['draft'],
  })
  .openapi('CreatePost');
export type CreatePostBody = z.infer<typeof CreatePostBody>;

export const PostIdParams = z.object({
  id: Identifier.openapi({ param: { description: 'Post id' }, example: 'b1f7c1de-3d0c-4a8e-9a63-0c1c5a0d9e11' }),
});

export const BrandIdParams = z.object({
  id: Identifier.openapi({ param: { description: 'Brand id' }, example: 'demo' }),
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

export const EmptyBody = z.object({}).strict().openapi('Empty');

export const PostSummarySchema = z
  .object({
    id: z.string(),
    brandId: z.string(),
    campaignId: z.string().nullable(),
    authorId: z.string(),
    title: z.string(),
    riskTier: RiskTierSchema,
    flags: z.array(SensitivityFlagSchema),
    urgent: z.boolean(),
    stage: PostStageSchema,
    revision: z.number().int(),
    publishAt: IsoInstant,
    timeZone: z.string(),
    workflowId: z.string(),
    createdAt: IsoInstant,
    updatedAt: IsoInstant,
  })
  .openapi('PostSummary');

const StageDeadlineSchema = z
  .object({
    stage: z.string(),
    openedAt: IsoInstant,
    remindAt: IsoInstant,
    escalateAt: IsoInstant,
    forceAt: IsoInstant,
    escalated: z.boolean(),
    onTimeout: z.enum(['auto_approve', 'reject', 'hold']),
    decidingRoles: z.array(z.string()),
  })
  .openapi('StageDeadline');

const VariantStateSchema = z
  .object({
    accountId: z.string(),
    platform: PlatformSchema,
    status: z.enum(['pending', 'publishing', 'published', 'failed']),
    externalId: z.string().optional(),
    url: z.string().optional(),
    publishedAt: IsoInstant.optional(),
    failureReason: z.string().optional(),
    failureType: z.string().optional(),
    attempts: z.number().int(),
  })
  .openapi('VariantState');

const MetricSnapshotSchema = z
  .object({
    offsetMs: z.number().int(),
    takenAt: IsoInstant,
    accountId: z.string(),
    platform: PlatformSchema,
    impressions: z.number().int(),
    reach: z.number().int(),
    likes: z.number().int(),
    comments: z.number().int(),
    shares: z.number().int(),
    saves: z.number().int(),
    clicks: z.number().int(),
  })
  .openapi('MetricSnapshot');

const StageSpecSchema = z.object({
  stage: z.string(),
  role: RoleSchema,
  backupRole: RoleSchema,
  quorum: z.number().int(),
  remindAfterMs: z.number().int(),
  escalateAfterMs: z.number().int(),
  forceAfterMs: z.number().int(),
  onTimeout: z.enum(['auto_approve', 'reject', 'hold']),
  parallelGroup: z.number().int(),
});

export const PostStateSchema = z
  .object({
    postId: z.string(),
    brandId: z.string(),
    campaignId: z.string().optional(),
    authorId: z.string(),
    title: z.string(),
    riskTier: RiskTierSchema,
    flags: z.array(SensitivityFlagSchema),
    urgent: z.boolean(),
    stage: PostStageSchema,
    openStages: z.array(z.string()),
    plan: z.object({
      stages: z.array(StageSpecSchema),
      distinctApproversAcrossStages: z.boolean(),
      fastTrack: z.boolean(),
    }),
    revision: z.number().int(),
    content: z
      .object({
        variants: z.array(
          z.object({ accountId: z.string(), platform: PlatformSchema, text: z.string(), media: z.array(MediaSchema) }),
        ),
        note: z.string().optional(),
      })
      .optional(),
    decisions: z.array(
      z.object({
        stage: z.string(),
        revision: z.number().int(),
        decision: z.string(),
        by: z.string(),
        at: IsoInstant,
        comment: z.string().optional(),
      }),
    ),
    deadlines: z.array(StageDeadlineSchema),
    qualityIssues: z.array(
      z.object({
        accountId: z.string().optional(),
        platform: PlatformSchema.optional(),
        code: z.string(),
        message: z.string(),
      }),
    ),
    publishAt: IsoInstant,
    timeZone: z.string(),
    paused: z.boolean(),
    variants: z.array(VariantStateSchema),
    snapshots: z.array(MetricSnapshotSchema),
    exitReason: z.string().optional(),
    updatedAt: IsoInstant,
  })
  .openapi('PostState');

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

// ---------- review queue ----------

export const ReviewQueueQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
});

export const ReviewQueueResponse = z
  .object({
    roles: z.array(RoleSchema).openapi({ description: "The caller's roles the queue was built for" }),
    items: z.array(
      z.object({
        post: PostSummarySchema,
        deadlines: z.array(StageDeadlineSchema).openapi({ description: 'Open stages the caller may decide' }),
        dueAt: IsoInstant.openapi({ description: 'The soonest escalation (or, once escalated, forced decision)' }),
      }),
    ),
  })
  .openapi('ReviewQueue');

// ---------- calendar ----------

export const CalendarQuery = z
  .object({
    from: LocalDate.openapi({ description: "First day, in the brand's time zone (years 1970 to 9999)" }),
    to: LocalDate.openapi({
      description: `Last day (inclusive), in the brand's time zone; from to to spans at most ${MAX_CALENDAR_DAYS} days`,
    }),
    brandId: Identifier.optional().openapi({ description: "Default: the caller's brand" }),
  })
  .refine((query) => query.from <= query.to, { message: 'from must not be after to', path: ['to'] })
  .refine((query) => daysBetween(query.from, query.to) < MAX_CALENDAR_DAYS, {
    message: `a calendar covers at most ${MAX_CALENDAR_DAYS} days`,
    path: ['to'],
  });

export const CalendarResponse = z
  .object({
    brandId: z.string(),
    timeZone: z.string(),
    from: LocalDate,
    to: LocalDate,
    days: z.array(
      z.object({
        day: LocalDate,
        posts: z.array(
          PostSummarySchema.extend({
            localTime: z.string().openapi({ description: "Publish time in the brand's zone, HH:mm" }),
            variants: z.array(
              z.object({
                accountId: z.string(),
                platform: PlatformSchema,
                status: z.string(),
                publishedAt: IsoInstant.optional(),
                url: z.string().optional(),
              }),
            ),
          }),
        ),
      }),
    ),
  })
  .openapi('Calendar');

// ---------- brands ----------

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

// ---------- reconciliation ----------

export const ReconcileResponse = z
  .object({
    checked: z.number().int().openapi({ description: 'Open posts whose workflow was looked up in Temporal' }),
    running: z.number().int().openapi({ description: 'Of those, posts whose workflow still runs' }),
    starting: z
      .number()
      .int()
      .openapi({ description: 'Posts created moments ago whose workflow is still being started; checked next time' }),
    failed: z.number().int().openapi({
      description: 'Open posts whose workflow could not be looked up this time; the next pass tries again',
    }),
    lost: z
      .array(
        z.object({
          postId: z.string(),
          fromStage: z.string().openapi({ description: 'The stage the projection showed' }),
          reason: z.string().openapi({ description: 'How the workflow was lost, and what had been published' }),
          publishedTo: z
            .array(z.string())
            .openapi({ description: "Accounts the platforms' ledgers show the post was published to" }),
        }),
      )
      .openapi({ description: 'Posts closed as `lost` by this pass' }),
  })
  .openapi('ReconcileResult');

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

// ---------- health ----------

export const HealthResponse = z.object({ status: z.literal('ok') }).openapi('Health');

export const ReadinessResponse = z
  .object({
    status: z.enum(['ready', 'unavailable']),
    checks: z.object({
      postgres: z.object({ ok: z.boolean(), error: z.string().optional() }),
      temporal: z.object({ ok: z.boolean(), error: z.string().optional() }),
    }),
  })
  .openapi('Readiness');
