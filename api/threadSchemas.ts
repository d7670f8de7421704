/**
 * Request and response shapes of the conversation endpoints: inbound webhooks and the agents'
 * thread actions. Built from the shared blocks in schemas.ts, so the same text and identifier
 * rules apply.
 */
import { MAX_PAGE_SIZE } from '../db/posts';
import { TEXT } from '../domain/limits';
import { PRIORITIES } from '../domain/sla';
import { storableText } from '../domain/text';
import { MESSAGE_KINDS } from '../domain/triage';
import { Identifier, InstantInput, IsoInstant, MAX_LIST_OFFSET, TemplateVariablesSchema, Text, z } from './schemas';

export const MAX_INBOUND_EVENTS = 100;
/** What a platform may send as one message's text; longer is refused, as no platform sends that much. */
const MAX_INBOUND_TEXT_UNITS = 40_000;

export const THREAD_STATUSES = ['new', 'open', 'pending', 'resolved', 'closed'] as const;

/**
 * A platform's text cannot be sent back for correction: whatever Postgres cannot store (NUL,
 * unpaired surrogates) becomes U+FFFD instead of the event being refused.
 */
const PlatformText = z
  .string()
  .max(MAX_INBOUND_TEXT_UNITS)
  .transform((value) => storableText(value))
  .openapi({ description: 'The message as the platform sent it; NUL and unpaired surrogates are stored as U+FFFD' });

const PlatformLabel = z
  .string()
  .min(1)
  .max(200)
  .transform((value) => storableText(value));

export const InboundEventSchema = z
  .object({
    threadId: Identifier.openapi({ description: "The platform's conversation id" }),
    messageId: Identifier.openapi({ description: "The platform's message id; a repeat is recorded once" }),
    kind: z.enum(MESSAGE_KINDS),
    author: z.object({ id: Identifier, handle: PlatformLabel, name: PlatformLabel.optional() }),
    text: PlatformText,
    sentAt: InstantInput,
    inReplyTo: Identifier.optional(),
    postExternalId: Identifier.optional(),
  })
  .openapi('InboundEvent');

export const InboundBody = z
  .object({ events: z.array(InboundEventSchema).min(1).max(MAX_INBOUND_EVENTS) })
  .openapi('InboundBatch');

export const InboundHeaders = z.object({
  'x-socialops-signature': z
    .string()
    .max(200)
    .optional()
    .openapi({ description: "`sha256=<hex HMAC-SHA256 of the raw body>` with the account's inbound secret" }),
});

export const InboundAcceptedResponse = z
  .object({
    accepted: z.number().int().openapi({ description: 'Events handed to their conversations' }),
    duplicates: z
      .number()
      .int()
      .openapi({ description: 'Events already received (in this batch or before); recorded once' }),
  })
  .openapi('InboundAccepted');

export const AccountIdParams = z.object({ accountId: Identifier });

export const InboundSecretResponse = z
  .object({
    accountId: z.string(),
    secret: z.string().openapi({ description: 'The new secret; shown once' }),
    createdAt: IsoInstant,
    previousValidUntil: IsoInstant.nullable().openapi({
      description: 'Until when signatures with the secrets it replaces are still accepted',
    }),
  })
  .openapi('InboundSecret');

export const ThreadIdParams = z.object({
  id: Identifier.openapi({ description: '`<accountId>:<platform thread id>`' }),
});

/** Stands for "nobody" where a query names an assignee. */
export const UNASSIGNED = 'unassigned';

export const ListThreadsQuery = z
  .object({
    brandId: Identifier.optional(),
    status: z.enum(THREAD_STATUSES).optional(),
    priority: z.enum(PRIORITIES).optional(),
    queue: Identifier.optional().openapi({ description: 'The queue the conversation waits in (`customer_care`, …)' }),
    assigneeId: Identifier.optional().openapi({
      description: `A user id, or \`${UNASSIGNED}\` for conversations nobody holds`,
    }),
    breached: z
      .enum(['true', 'false'])
      .transform((value) => value === 'true')
      .optional()
      .openapi({ description: '`true`: some SLA target was missed; `false`: none was' }),
    pendingApproval: z
      .enum(['true', 'false'])
      .transform((value) => value === 'true')
      .optional()
      .openapi({
        description: "`true`: conversations holding replies, written during a crisis, that wait for a lead's approval",
      }),
    dueBefore: InstantInput.optional().openapi({
      description: 'Next SLA deadline before this instant (Z or an offset within ±14:00; years 1970 to 9999)',
    }),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
    offset: z.coerce
      .number()
      .int()
      .min(0)
      .max(MAX_LIST_OFFSET)
      .optional()
      .openapi({ description: `Skip this many conversations (alternative to cursor), at most ${MAX_LIST_OFFSET}` }),
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
  });

export const ThreadSummarySchema = z
  .object({
    id: z.string(),
    accountId: z.string(),
    brandId: z.string(),
    platform: z.string(),
    externalThreadId: z.string(),
    workflowId: z.string(),
    status: z.string(),
    cycle: z.number().int().openapi({ description: 'The SLA cycle: a new one starts when the conversation returns' }),
    priority: z.string(),
    category: z.string(),
    queue: z.string(),
    assigneeId: z.string().nullable(),
    nextDueAt: IsoInstant.nullable().openapi({ description: 'The soonest due time of a running SLA clock' }),
    lastMessageAt: IsoInstant.nullable(),
    pendingApprovals: z
      .number()
      .int()
      .openapi({ description: "Replies written during a crisis that wait for a lead's approval" }),
    sequence: z.number().int(),
    updatedAt: IsoInstant,
  })
  .openapi('ThreadSummary');

export const ThreadListResponse = z
  .object({
    items: z.array(ThreadSummarySchema),
    limit: z.number().int(),
    offset: z.number().int().optional(),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` for the next page; null on the last page' }),
  })
  .openapi('ThreadList');

export const ThreadDetailResponse = z
  .object({
    threadId: z.string(),
    source: z.enum(['workflow', 'database']),
    staleReason: z.string().optional(),
    state: z.record(z.string(), z.unknown()).openapi({
      description: 'The conversation as its workflow keeps it: messages, notes, triage, assignee and SLA clocks',
    }),
  })
  .openapi('ThreadDetail');

export const ThreadReplyBody = z
  .object({
    text: Text(TEXT.replyText).optional(),
    templateId: Identifier.optional().openapi({ description: "One of the brand's reply templates, instead of text" }),
    variables: TemplateVariablesSchema.optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if ((body.text === undefined) === (body.templateId === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['text'], message: 'give either text or a templateId, not both' });
    }
    if (body.variables !== undefined && body.templateId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['variables'], message: 'variables go with a templateId' });
    }
  })
  .openapi('ThreadReply', {
    description: "Either `text`, or `templateId` with optional `variables` to render one of the brand's templates",
  });
export const ThreadNoteBody = z.object({ text: Text(TEXT.revisionNote) }).openapi('ThreadNote');
export const ThreadResolveBody = z
  .object({
    reason: Text(TEXT.resolveReason).openapi({ description: 'Why the conversation is resolved' }),
    closeWithoutReply: z.boolean().optional().openapi({
      description:
        'Spam only: close without a reply; running clocks end `closed_without_reply`, counted neither met nor breached',
    }),
  })
  .openapi('ThreadResolve');
export const ThreadAssignBody = z
  .object({ assigneeId: Identifier.nullable().openapi({ description: 'A user id, or null to unassign' }) })
  .openapi('ThreadAssign');

export const ThreadUpdatedResponse = z
  .object({
    threadId: z.string(),
    result: z.record(z.string(), z.unknown()).openapi({ description: "The workflow's answer to the update" }),
  })
  .openapi('ThreadUpdated');
