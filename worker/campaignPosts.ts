/**
 * The campaign activities' way to posts: planned posts are created by the same use case as
 * `POST /v1/posts` (placeholder row, then the post's workflow with its search attributes), under
 * the id the plan gave them, and actions reach a post through its own workflow's messages, whose
 * validators have the last word. Refusals come back as reasons a person can act on.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { Knex } from 'knex';
import pino, { type Logger } from 'pino';
import type { CampaignPostGateway } from '../activities/campaigns';
import type { CampaignPostAction } from '../activities/campaignContract';
import { createAccountStore } from '../db/accounts';
import { createBrandStore } from '../db/brands';
import { createPostStore } from '../db/posts';
import { ShiftError, shiftPublishTime } from '../domain/campaigns';
import { postWorkflowId } from '../domain/ids';
import { createPostReconciler } from '../api/reconciliation';
import { CreatePostBody } from '../api/schemas';
import { RefusedError } from '../api/services/errors';
import { isTemporalUnreachable } from '../api/services/unavailable';
import { createPostCreation } from '../api/services/posts/creation';
import { createCrisisStore } from '../db/crisis';
import { cancel, holdPublishing, reschedule } from '../workflows/messages';

export function createCampaignPostGateway({
  db,
  client,
  taskQueue,
  logger = pino({ enabled: false }),
}: {
  db: Knex;
  client: Client;
  taskQueue: string;
  logger?: Logger;
}): CampaignPostGateway {
  const call = <T>(run: () => Promise<T>) => run();
  const create = createPostCreation({
    posts: createPostStore(db),
    brands: createBrandStore(db),
    accounts: createAccountStore(db),
    crises: createCrisisStore(db),
    reconciler: createPostReconciler({ db, temporal: client, logger, callTemporal: call }),
    temporal: { workflow: client.workflow, call, taskQueue },
    logger,
  });

  return {
    async createPlannedPost({ postId, campaignId, brandId, createdBy, item, held }) {
      const body = CreatePostBody.safeParse({ ...item, brandId, campaignId });
      if (!body.success) return { created: false, reason: describeIssues(body.error.issues) };
      try {
        await create({
          user: { id: createdBy, name: createdBy, roles: [], brandId },
          body: body.data,
          postId,
          awaitFirstStage: false,
          ...(held
            ? { holds: [{ source: 'campaign' as const, by: held.by, ...(held.reason ? { reason: held.reason } : {}) }] }
            : {}),
        });
        return { created: true };
      } catch (error) {
        if (error instanceof RefusedError) return { created: false, reason: describeRefusal(error) };
        throw error;
      }
    },

    async actOnPost({ postId, action, publishAt, brandTimeZone }) {
      const handle = client.workflow.getHandle(postWorkflowId(postId));
      try {
        switch (action.kind) {
          case 'cancel':
            await handle.executeUpdate(cancel, {
              args: [{ by: action.by, reason: action.reason ?? 'campaign cancelled' }],
              ...updateIdOf(action, postId),
            });
            return { reached: true };
          case 'shift': {
            const moved = shiftPublishTime({ publishAt, timeZone: brandTimeZone, offset: action.offset ?? '' });
            // A repeat under the same id answers with the first outcome: the post moves once.
            await handle.executeUpdate(reschedule, {
              args: [{ by: action.by, publishAt: moved }],
              ...updateIdOf(action, postId),
            });
            return { reached: true };
          }
          case 'pause':
          case 'resume':
            await handle.signal(holdPublishing, {
              source: 'campaign',
              held: action.kind === 'pause',
              by: action.by.userId,
              ...(action.reason !== undefined ? { reason: action.reason } : {}),
              ...(action.passedPublishTime ? { passedPublishTime: action.passedPublishTime } : {}),
            });
            return { reached: true };
        }
      } catch (error) {
        const reason = whyNotReached(error);
        // Temporal unreachable or slow: the activity fails and is retried, and the updates' ids
        // keep the posts already reached from being acted on twice.
        if (reason === undefined) throw error;
        return { reached: false, reason };
      }
    },
  };
}

function updateIdOf(action: CampaignPostAction, postId: string): { updateId?: string } {
  return action.actionId !== undefined ? { updateId: `campaign-${action.kind}-${action.actionId}-${postId}` } : {};
}

/** Why the post itself refused or cannot take the action; undefined when it is worth asking again. */
function whyNotReached(error: unknown): string | undefined {
  if (error instanceof WorkflowNotFoundError) return 'its workflow is gone';
  if (error instanceof WorkflowUpdateFailedError) {
    return error.cause instanceof Error ? error.cause.message : error.message;
  }
  if (error instanceof ShiftError) return error.message;
  if (isTemporalUnreachable(error)) return undefined;
  return `it could not be reached: ${error instanceof Error ? error.message : String(error)}`;
}

function describeIssues(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string {
  return issues.map((issue) => `${issue.path.map(String).join('.') || 'post'}: ${issue.message}`).join('; ');
}

function describeRefusal(error: RefusedError): string {
  const issues = (error.details?.issues ?? []) as Array<{ path: PropertyKey[]; message: string }>;
  return issues.length > 0 ? describeIssues(issues) : error.message;
}
