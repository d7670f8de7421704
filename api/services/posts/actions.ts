/**
 * Carries out a post action from its row in the action table: the early answers the projection
 * can give (who, whether the post still takes changes), then the workflow's update, whose
 * validator has the last word.
 */
import type { AccountStore } from '../../../db/accounts';
import type { PostStore } from '../../../db/posts';
import { escalationStageOf, mayTakeAction } from '../../../domain/permissions';
import { findStage } from '../../../domain/reviewPolicy';
import { TERMINAL_STAGES } from '../../../domain/types';
import type { PostActionSpec } from '../../postActions';
import type { PostReconciler } from '../../reconciliation';
import { actorOf, type AuthenticatedUser } from '../caller';
import { conflict, forbiddenAction } from '../errors';
import type { TemporalAccess } from '../temporal';
import { lostPostGone, visiblePost } from './visible';

export interface PostActionDeps {
  posts: Pick<PostStore, 'findById'>;
  accounts: Pick<AccountStore, 'findByIds'>;
  reconciler: Pick<PostReconciler, 'lostAfter'>;
  temporal: Pick<TemporalAccess, 'workflow' | 'call'>;
}

export interface PostActionResult {
  postId: string;
  /** The workflow's answer to the update. */
  result: Record<string, unknown>;
}

export function createPostActions({ posts, accounts, reconciler, temporal }: PostActionDeps) {
  return async function act(
    spec: PostActionSpec,
    { user, postId, body }: { user: AuthenticatedUser; postId: string; body: unknown },
  ): Promise<PostActionResult> {
    const post = await visiblePost(posts, user, postId);
    if (spec.permission) {
      // The author of a post never changes, so the projection answers this as well as the workflow
      // would. Whether a stage has been escalated it may not show yet: the backup role is let through
      // to the workflow, which knows.
      const stage = escalationStageOf(spec.permission);
      const escalating = stage ? findStage({ plan: post.state.plan, stage }) : undefined;
      const permission = mayTakeAction({
        action: spec.permission,
        actor: actorOf(user),
        authorId: post.authorId,
        ...(escalating ? { escalation: { backupRole: escalating.backupRole, escalated: true } } : {}),
      });
      if (!permission.ok) throw forbiddenAction(permission.reason);
    }
    const prepared = spec.prepare
      ? await spec.prepare({ body, post, lookups: { findAccounts: (ids) => accounts.findByIds(ids) } })
      : undefined;
    if (post.stage === 'lost') throw lostPostGone(post);
    if (TERMINAL_STAGES.includes(post.stage)) {
      throw conflict(
        `post is ${post.stage}${post.state.exitReason ? ` (${post.state.exitReason})` : ''}; it takes no further changes`,
      );
    }
    const argument = spec.argument({ body, post, user, prepared });
    const handle = temporal.workflow.getHandle(post.workflowId);
    try {
      const result = await temporal.call(() => handle.executeUpdate(spec.update, { args: [argument] }));
      return { postId, result: result as Record<string, unknown> };
    } catch (error) {
      // When the check itself fails (Temporal unreachable), the update's own error says more.
      const lost = await reconciler.lostAfter(post, error).catch(() => undefined);
      throw lost ? lostPostGone(lost) : error;
    }
  };
}
