/** The post as the API shows it: the projection's summary and the workflow's full state. */
import {
  PlatformSchema,
  PostStageSchema,
  RiskTierSchema,
  RoleSchema,
  SensitivityFlagSchema,
  IsoInstant,
  MediaSchema,
  z,
} from './common';
import { HOLD_SOURCES } from '../../domain/postState';

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

export const StageDeadlineSchema = z
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
    keyFixedAt: IsoInstant.optional(),
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
          z.object({
            accountId: z.string(),
            platform: PlatformSchema,
            text: z.string(),
            media: z.array(MediaSchema),
            languages: z.array(z.string()).optional(),
            quoteOf: z.string().optional(),
          }),
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
    paused: z.boolean().openapi({ description: 'True while any hold stands' }),
    holds: z
      .array(
        z.object({
          source: z.enum(HOLD_SOURCES),
          by: z.string(),
          reason: z.string().optional(),
          since: IsoInstant,
        }),
      )
      .openapi({
        description:
          "What holds the post's publishing: the brand's pause, its campaign's pause, a crisis, or a publish time " +
          'that passed while held and waits for a reschedule or publish-now',
      }),
    variants: z.array(VariantStateSchema),
    snapshots: z.array(MetricSnapshotSchema),
    exitReason: z.string().optional(),
    updatedAt: IsoInstant,
  })
  .openapi('PostState');
