/**
 * Who may steer a post outside the review stages, and in which stages each action applies.
 * Pure, so the API can answer early with the same words the workflow would use.
 */
import { BEFORE_PUBLISHING_STAGES, type Actor, type PostStage, type Role } from './types';

export type PostAction = 'submit_revision' | 'reschedule' | 'cancel' | 'publish_now' | 'retry_failed_variants';

interface ActionRule {
  /** Roles that may take the action on any post of the brand. */
  roles: readonly Role[];
  /** Whether the post's author may take it on their own post. */
  author: boolean;
  /** The stage whose backup role may step in once that stage has been escalated. */
  backupOnceEscalated?: 'drafting';
  /** Stages in which the action makes sense. */
  stages: readonly PostStage[];
  describe: string;
}

const ACTION_RULES: Readonly<Record<PostAction, ActionRule>> = {
  // A draft is its author's work: holding the author role gives no say over a colleague's post.
  submit_revision: {
    roles: [],
    author: true,
    backupOnceEscalated: 'drafting',
    stages: ['drafting'],
    describe: 'revised',
  },
  reschedule: { roles: ['manager', 'admin'], author: true, stages: BEFORE_PUBLISHING_STAGES, describe: 'rescheduled' },
  cancel: { roles: ['manager', 'admin'], author: true, stages: BEFORE_PUBLISHING_STAGES, describe: 'cancelled' },
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

/** The state of the stage an action may be escalated in: its backup role, and whether it has been escalated. */
export interface Escalation {
  backupRole: Role;
  escalated: boolean;
}

export function mayTakeAction({
  action,
  actor,
  authorId,
  escalation,
}: {
  action: PostAction;
  actor: Actor;
  authorId: string;
  /** For actions a stage's backup role may take once escalated; without it only the rule's roles count. */
  escalation?: Escalation;
}): PermissionCheck {
  const rule = ACTION_RULES[action];
  if (rule.author && actor.userId === authorId) return { ok: true };
  if (rule.roles.some((role) => actor.roles.includes(role))) return { ok: true };
  const backup = rule.backupOnceEscalated && escalation ? escalation : undefined;
  if (backup?.escalated && actor.roles.includes(backup.backupRole)) return { ok: true };
  const who = [...(rule.author ? ['its author'] : []), ...rule.roles].join(' or ');
  const stepIn = backup ? `, or by ${backup.backupRole} once ${rule.backupOnceEscalated} has been escalated` : '';
  return { ok: false, reason: `a post is ${rule.describe} only by ${who}${stepIn}` };
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
      if (action === 'submit_revision') return `post is in ${stage}, not drafting`;
      return action === 'publish_now'
        ? `post is in ${stage}; only a scheduled post can be published now`
        : `post is in ${stage}; nothing has been published to retry`;
  }
}
