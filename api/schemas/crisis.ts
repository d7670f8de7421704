/** A brand's crisis policy, its crisis state, and the actions on a crisis and on held replies. */
import { CRISIS_DECLARATIONS, CRISIS_LIMITS, PASSED_PUBLISH_TIME_CHOICES } from '../../domain/crisis';
import { TEXT } from '../../domain/limits';
import { Identifier, IsoInstant, Text, z } from './common';

const CrisisThresholdSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('count'), count: z.number().int().min(1).max(CRISIS_LIMITS.maxCount) }).strict(),
    z
      .object({
        kind: z.literal('baseline_multiple'),
        multiple: z.number().gt(1).max(CRISIS_LIMITS.maxMultiple),
      })
      .strict(),
  ])
  .openapi('CrisisThreshold', {
    description:
      '`count`: that many messages in the window; `baseline_multiple`: that multiple of the brand’s usual count per window',
  });

const policyFields = {
  windowMinutes: z.number().int().min(1).max(CRISIS_LIMITS.maxWindowMinutes).openapi({
    description: 'The sliding window negative or crisis-sensitive messages are counted in',
  }),
  threshold: CrisisThresholdSchema,
  minimumVolume: z.number().int().min(1).max(CRISIS_LIMITS.maxCount).openapi({
    description: 'Fewer messages than this in the window never raise an alert',
  }),
  cooldownMinutes: z.number().int().min(0).max(CRISIS_LIMITS.maxCooldownMinutes).openapi({
    description: 'No new alert this long after an alert or the end of a crisis',
  }),
  baselineDays: z.number().int().min(1).max(CRISIS_LIMITS.maxBaselineDays).openapi({
    description: 'How far back the brand’s usual volume is measured',
  }),
  declare: z.enum(CRISIS_DECLARATIONS).openapi({
    description: '`automatic`: crossing the threshold declares the crisis; `confirm`: a manager confirms it',
  }),
  contacts: z
    .array(Identifier)
    .max(CRISIS_LIMITS.maxContacts)
    .openapi({ description: 'User ids alerted when the threshold is crossed and when a crisis is declared or ended' }),
  passedPublishTime: z.enum(PASSED_PUBLISH_TIME_CHOICES).openapi({
    description:
      'When the crisis ends, a post whose publish time passed while held waits for a reschedule or publish-now ' +
      '(`hold_for_review`, the default) or publishes at once (`publish`)',
  }),
};

export const CrisisPolicyBody = z
  .object({
    windowMinutes: policyFields.windowMinutes.optional(),
    threshold: policyFields.threshold.optional(),
    minimumVolume: policyFields.minimumVolume.optional(),
    cooldownMinutes: policyFields.cooldownMinutes.optional(),
    baselineDays: policyFields.baselineDays.optional(),
    declare: policyFields.declare.optional(),
    contacts: policyFields.contacts.optional(),
    passedPublishTime: policyFields.passedPublishTime.optional(),
  })
  .strict()
  .openapi('CrisisPolicyInput', { description: 'What the body leaves out takes the default' });

export const CrisisPolicyResponse = z
  .object({
    brandId: z.string(),
    source: z.enum(['brand', 'default']),
    version: z.number().int(),
    createdBy: z.string().nullable(),
    createdAt: IsoInstant.nullable(),
    ...policyFields,
  })
  .openapi('CrisisPolicy');

export const CrisisReasonBody = z
  .object({ reason: Text(TEXT.crisisReason, { trim: true }) })
  .strict()
  .openapi('CrisisReason');
export const ConfirmCrisisBody = z
  .object({ reason: Text(TEXT.crisisReason, { trim: true }).optional() })
  .strict()
  .openapi('ConfirmCrisis');

export const CrisisRecordSchema = z
  .object({
    crisisId: z.string(),
    brandId: z.string(),
    status: z.enum(['awaiting_confirmation', 'active', 'ended', 'dismissed']),
    declaredHow: z.enum(['automatic', 'confirmed', 'manual']).nullable(),
    detectedAt: IsoInstant.nullable(),
    detection: z.record(z.string(), z.unknown()).nullable().openapi({
      description: 'What the detection rule read when it alerted: the count, the baseline, the threshold, why',
    }),
    declaredBy: z.string().nullable(),
    declareReason: z.string().nullable(),
    declaredAt: IsoInstant.nullable(),
    endedBy: z.string().nullable(),
    endReason: z.string().nullable(),
    endedAt: IsoInstant.nullable(),
    policyVersion: z.number().int(),
    sequence: z.number().int(),
    updatedAt: IsoInstant,
  })
  .openapi('Crisis');

export const CrisisStateResponse = z
  .object({
    brandId: z.string(),
    status: z.enum(['none', 'awaiting_confirmation', 'active']).openapi({
      description:
        '`active`: posts are held and replies wait for a lead; `awaiting_confirmation`: an alert waits for a manager',
    }),
    crisis: CrisisRecordSchema.nullable().openapi({ description: 'The open crisis, if any' }),
    recent: z.array(CrisisRecordSchema).openapi({ description: 'The latest crises, newest first' }),
    monitor: z
      .object({
        status: z.enum(['watching', 'awaiting_confirmation', 'in_crisis']),
        lastReading: z.record(z.string(), z.unknown()).nullable(),
        posts: z.record(z.string(), z.unknown()).nullable().openapi({
          description: 'Telling the posts to hold or release: found, signalled, not reached',
        }),
      })
      .nullable()
      .openapi({ description: "The crisis monitor's live view; null when it cannot answer or never started" }),
  })
  .openapi('CrisisState');

export const CrisisActionResponse = z
  .object({
    brandId: z.string(),
    status: z.enum(['watching', 'awaiting_confirmation', 'in_crisis']),
    crisisId: z.string().nullable(),
  })
  .openapi('CrisisAction');

export const ReplyDecisionParams = z.object({
  id: Identifier.openapi({ param: { description: 'Thread id' } }),
  replyId: Identifier.openapi({ param: { description: 'The held reply’s id' } }),
});
export const RejectReplyBody = z
  .object({ reason: Text(TEXT.crisisReason, { trim: true }) })
  .strict()
  .openapi('RejectReply');
