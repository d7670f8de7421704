/**
 * Who may steer a post outside the review stages, and in which stages each action applies.
 * Pure, so the API can answer early with the same words the workflow would use.
 */
import { POST_STAGES, type Actor, type PostStage, type Role } from './types';

export type PostAction = 'reschedule' | 'cancel' | 'publish_now' | 'retry_failed_variants';

interface ActionRule {
  /** Roles that may take the action on any post of the brand. */
  roles: readonly Role[];
  /** Whether the post's author may take it on their own post. */
  author: boolean;
  /** Stages in which the action makes sense. */
  stages: readonly PostStage[];
  describe: string;
}

/** Every stage before publishing starts, in order. */
const BEFORE_PUBLISHING: readonly PostStage[] = POST_STAGES.slice(0, POST_STAGES.indexOf('publishing'));

const ACTION_RULES: Readonly<Record<PostAction, ActionRule>> = {
  reschedule: { roles: ['manager', 'admin'], author: true, stages: BEFORE_PUBLISHING, describe: 'rescheduled' },
  cancel: { roles: ['manager', 'admin'], author: true, stages: BEFORE_PUBLISHING, describe: 'cancelled' },
  // Publishing ahead of the agreed time is a brand decision, not the author's.
  publish_now: { roles: ['manager', 'admin'], author: false, stages: ['scheduled'], describe: 'published now' },
  retry_failed_variants: {
    roles: ['manager', 'admin'],
    author: true,
    stages: ['failed', 'published', 'tracking'],
    describe: 'retried',
  },
};

export type PermissionCheck = { ok: true } | { ok: false; reason: string };

export function mayTakeAction({
  action,
  actor,
  authorId,
}: {
  action: PostAction;
  actor: Actor;
  authorId: string;
}): PermissionCheck {
  const rule = ACTION_RULES[action];
  if (rule.author && actor.userId === authorId) return { ok: true };
  if (rule.roles.some((role) => actor.roles.includes(role))) return { ok: true };
  const who = rule.author ? `its author or ${rule.roles.join(' or ')}` : rule.roles.join(' or ');
  return { ok: false, reason: `a post is ${rule.describe} only by ${who}` };
}

/** Why the post's stage does not allow the action, or undefined when it does. */
export function stageRefusal({ action, stage }: { action: PostAction; stage: PostStage }): string | undefined {
  if (ACTION_RULES[action].stages.includes(stage)) return undefined;
  switch (stage) {
    case 'completed':
    case 'rejected':
    case 'cancelled':
      return `post is ${stage}; it takes no further changes`;
    case 'publishing':
      return 'post is publishing; it can no longer be changed';
    case 'published':
    case 'tracking':
      return action === 'publish_now'
        ? `post is in ${stage}; it has already been published`
        : `post is in ${stage}; a published post cannot be ${ACTION_RULES[action].describe}`;
    case 'failed':
      return `post is failed; only its failed variants can be retried`;
    default:
      return action === 'publish_now'
        ? `post is in ${stage}; only a scheduled post can be published now`
        : `post is in ${stage}; nothing has been published to retry`;
  }
}
