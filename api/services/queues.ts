/**
 * A brand's conversation queues: who serves each one, with what capacity, how it assigns and who
 * leads it; the check that an assignee serves the conversation's queue; and the caller's inbox.
 */
import type { BrandStore } from '../../db/brands';
import type { InboxStore } from '../../db/inbox';
import type { ThreadQueueStore } from '../../db/threadQueues';
import type { UserStore } from '../../db/users';
import { LATEST_INSTANT_MS } from '../../domain/publishTime';
import { servesQueue, type ThreadQueue } from '../../domain/queueAssignment';
import type { Role } from '../../domain/types';
import { decodeListCursor, encodeListCursor } from '../listCursor';
import { brandScope, coversBrand, type AuthenticatedUser } from './caller';
import { conflict, invalidField, notFound } from './errors';

/** Where conversations without a running clock sort: after every due time. */
const NO_DEADLINE = new Date(LATEST_INSTANT_MS).toISOString();

export interface QueueServiceDeps {
  brands: Pick<BrandStore, 'findById'>;
  users: Pick<UserStore, 'findById'>;
  queues: Pick<ThreadQueueStore, 'listForBrand' | 'replaceForBrand' | 'find'>;
  inbox: Pick<InboxStore, 'list'>;
}

export interface InboxQuery {
  limit: number;
  cursor?: string;
}

export function createQueueService({ brands, users, queues, inbox }: QueueServiceDeps) {
  async function visibleBrand(user: AuthenticatedUser, brandId: string): Promise<void> {
    const brand = coversBrand(user, brandId) ? await brands.findById(brandId) : undefined;
    if (!brand) throw notFound('No such brand');
  }

  /** The user, when they exist, work for the brand and hold one of the roles; otherwise why not. */
  async function staffProblem(brandId: string, userId: string, roles: readonly Role[]): Promise<string | undefined> {
    const found = await users.findById(userId);
    if (!found || (found.brandId !== null && found.brandId !== brandId)) {
      return `no user ${userId} works for brand ${brandId}`;
    }
    if (!found.roles.some((role) => roles.includes(role))) {
      return `${userId} does not hold the ${roles.join(' or ')} role`;
    }
    return undefined;
  }

  return {
    async list(user: AuthenticatedUser, brandId: string) {
      await visibleBrand(user, brandId);
      return { brandId, queues: await queues.listForBrand(brandId) };
    },

    /** Replaces the brand's queues; every lead must hold the lead role and every member the agent role. */
    async replace(user: AuthenticatedUser, brandId: string, wanted: ThreadQueue[]) {
      await visibleBrand(user, brandId);
      for (const [index, queue] of wanted.entries()) {
        if (queue.leadId !== null) {
          const problem = await staffProblem(brandId, queue.leadId, ['lead']);
          if (problem) throw invalidField(['queues', index, 'leadId'], problem);
        }
        for (const [position, member] of queue.members.entries()) {
          const problem = await staffProblem(brandId, member.userId, ['agent', 'lead']);
          if (problem) throw invalidField(['queues', index, 'members', position, 'userId'], problem);
        }
      }
      return { brandId, queues: await queues.replaceForBrand({ brandId, queues: wanted }) };
    },

    /**
     * Whether the user serves the conversation's queue, and if not why. A brand that has set up no
     * queues yet has nothing to check against: everyone of the brand serves every queue.
     */
    async serves(input: { brandId: string; queue: string; userId: string }): Promise<string | undefined> {
      const queue = await queues.find({ brandId: input.brandId, name: input.queue });
      if (queue) {
        return servesQueue(queue, input.userId) ? undefined : `${input.userId} does not serve queue ${input.queue}`;
      }
      if ((await queues.listForBrand(input.brandId)).length > 0) {
        return `queue ${input.queue} is not set up for this brand, so nobody serves it`;
      }
      return undefined;
    },

    /** The queue's lead, or a refusal saying there is nobody to escalate to. */
    async requireLead(input: { brandId: string; queue: string }): Promise<string> {
      const queue = await queues.find({ brandId: input.brandId, name: input.queue });
      if (!queue?.leadId) throw conflict(`queue ${input.queue} has no lead to escalate to`);
      return queue.leadId;
    },

    async inbox(user: AuthenticatedUser, query: InboxQuery) {
      const after = query.cursor !== undefined ? decodeListCursor(query.cursor) : undefined;
      if (query.cursor !== undefined && !after) {
        throw invalidField(['cursor'], 'not a cursor this API issued; pass nextCursor from the previous page');
      }
      const asOf = new Date().toISOString();
      const scope = brandScope(user);
      // One more than asked tells whether another page follows.
      const page = await inbox.list({
        userId: user.id,
        ...(scope ? { brandIds: scope } : {}),
        ...(after ? { after: { dueAt: after.publishAt, id: after.id } } : {}),
        limit: query.limit + 1,
        noDeadline: NO_DEADLINE,
      });
      const items = page.slice(0, query.limit);
      const last = items.at(-1);
      return {
        items,
        nextCursor:
          page.length > query.limit && last
            ? encodeListCursor({ publishAt: last.nextDueAt ?? NO_DEADLINE, id: last.id })
            : null,
        asOf,
      };
    },
  };
}

export type QueueService = ReturnType<typeof createQueueService>;
