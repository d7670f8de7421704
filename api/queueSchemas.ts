/** Request and response shapes of a brand's conversation queues and of the caller's inbox. */
import { ASSIGNMENT_STRATEGIES, MAX_QUEUE_CAPACITY, MAX_QUEUE_MEMBERS, MAX_QUEUES } from '../domain/queueAssignment';
import { QUEUE_NAME } from '../domain/triage/rules';
import { MAX_PAGE_SIZE } from '../db/posts';
import { TEXT } from '../domain/limits';
import { Identifier, IsoInstant, Text, z } from './schemas';
import { ThreadSummarySchema } from './threadSchemas';

export const QueueName = z
  .string()
  .regex(QUEUE_NAME, 'expected a lower-case name of letters, digits and _ (at most 40), starting with a letter')
  .openapi({ description: 'The queue triage sends conversations to', example: 'customer_care' });

export const QueueMemberSchema = z
  .object({
    userId: Identifier.openapi({ description: 'An agent of the brand' }),
    capacity: z
      .number()
      .int()
      .min(0)
      .max(MAX_QUEUE_CAPACITY)
      .openapi({ description: 'The most open conversations the agent takes on at once (0 pauses them)' }),
  })
  .openapi('QueueMember');

export const ThreadQueueSchema = z
  .object({
    name: QueueName,
    strategy: z.enum(ASSIGNMENT_STRATEGIES).openapi({
      description: '`round_robin`: the members in turn; `least_open`: the member with the fewest open conversations',
    }),
    leadId: Identifier.nullable().openapi({
      description: 'The team lead (a user with the lead role): hears of breaches and receives escalations',
    }),
    members: z
      .array(QueueMemberSchema)
      .max(MAX_QUEUE_MEMBERS)
      .openapi({ description: 'The agents who serve the queue, in round-robin order' }),
  })
  .openapi('ThreadQueue');

export const PutQueuesBody = z
  .object({ queues: z.array(ThreadQueueSchema).max(MAX_QUEUES) })
  .superRefine((body, ctx) => {
    const names = new Set<string>();
    body.queues.forEach((queue, index) => {
      if (names.has(queue.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['queues', index, 'name'],
          message: `queue ${queue.name} is listed twice`,
        });
      }
      names.add(queue.name);
      const members = new Set<string>();
      queue.members.forEach((member, position) => {
        if (members.has(member.userId)) {
          ctx.addIssue({
            code: 'custom',
            path: ['queues', index, 'members', position, 'userId'],
            message: `${member.userId} is listed twice in queue ${queue.name}`,
          });
        }
        members.add(member.userId);
      });
    });
  })
  .openapi('ThreadQueuesUpdate');

export const QueuesResponse = z
  .object({ brandId: z.string(), queues: z.array(ThreadQueueSchema) })
  .openapi('ThreadQueues');

export const ThreadEscalateBody = z
  .object({ reason: Text(TEXT.escalationReason, { trim: true }) })
  .openapi('ThreadEscalate');

export const InboxQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
  cursor: z
    .string()
    .max(500)
    .regex(/^[A-Za-z0-9_-]+$/, 'not a cursor this API issued; pass nextCursor from the previous page')
    .optional()
    .openapi({ description: 'From `nextCursor` of the previous page' }),
});

export const InboxItemSchema = ThreadSummarySchema.extend({
  reason: z.enum(['assigned', 'approval', 'queue', 'breached']).openapi({
    description:
      '`assigned`: assigned to the caller; `approval`: replies written during a crisis wait for the approval of ' +
      'the caller, who leads its queue; `queue`: unassigned in a queue the caller serves; ' +
      '`breached`: a breached conversation in a queue the caller leads, assigned to someone else',
  }),
}).openapi('InboxItem');

export const InboxResponse = z
  .object({
    items: z.array(InboxItemSchema),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` for the next page; null on the last page' }),
    asOf: IsoInstant,
  })
  .openapi('Inbox');
