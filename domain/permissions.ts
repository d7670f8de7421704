/**
 * Who may take which action: one table, read by the API for its early answers (which roles may
 * attempt an action at all) and by the post workflow for the precise rule (authorship, backup
 * roles once a stage has been escalated, the stages an action applies in). Pure, so both give
 * the same answer in the same words.
 */
import { STAGE_OWNERS } from './reviewPolicy';
import { BEFORE_PUBLISHING_STAGES, REVIEW_STAGES, ROLES, type Actor, type PostStage, type Role } from './types';

/** Roles that decide some review stage, directly or as its backup after escalation. */
export const REVIEWER_ROLES: readonly Role[] = ROLES.filter((role) =>
  REVIEW_STAGES.some((stage) => STAGE_OWNERS[stage].role === role || STAGE_OWNERS[stage].backupRole === role),
);

interface ActionRule {
  /** Roles that may take the action on anything the caller's brand owns. */
  roles: readonly Role[];
  /** What the action is, as in "designer may not <verb>". */
  verb: string;
  /**
   * The post actions the workflow decides: whether the post's author may take it on their own
   * post, the stage whose backup role may step in once escalated, the stages it applies in, and
   * the participle its refusals use ("a post is <describe> only by ...").
   */
  post?: {
    author: boolean;
    backupOnceEscalated?: 'drafting';
    stages: readonly PostStage[];
    describe: string;
  };
}

/**
 * Viewers and community agents read posts but never change them: agents work on conversations,
 * not on the publishing pipeline. Reviews are decided per stage by the review policy
 * (`mayDecide` in reviewPolicy.ts); here only which roles decide any stage at all.
 */
export const ACTION_RULES = {
  readPosts: { roles: ROLES, verb: 'read posts' },
  createPost: { roles: ['author', 'manager', 'admin'], verb: 'create posts' },
  review: { roles: REVIEWER_ROLES, verb: 'review posts' },
  // A draft is its author's work: holding the author role gives no say over a colleague's post.
  submitRevision: {
    roles: [],
    verb: 'submit revisions',
    post: { author: true, backupOnceEscalated: 'drafting', stages: ['drafting'], describe: 'revised' },
  },
  reschedule: {
    roles: ['manager', 'admin'],
    verb: 'reschedule posts',
    post: { author: true, stages: BEFORE_PUBLISHING_STAGES, describe: 'rescheduled' },
  },
  cancel: {
    roles: ['manager', 'admin'],
    verb: 'cancel posts',
    post: { author: true, stages: BEFORE_PUBLISHING_STAGES, describe: 'cancelled' },
  },
  // Publishing ahead of the agreed time is a brand decision, not the author's.
  publishNow: {
    roles: ['manager', 'admin'],
    verb: 'publish posts immediately',
    post: { author: false, stages: ['scheduled'], describe: 'published now' },
  },
  retryFailedVariants: {
    roles: ['manager', 'admin'],
    verb: 'retry failed publications',
    post: { author: true, stages: ['failed', 'published', 'tracking'], describe: 'retried' },
  },
  pauseBrand: { roles: ['manager', 'admin'], verb: "pause or resume a brand's publishing" },
  // A campaign commits the brand to many posts at once; adding a post to one is an author's work.
  manageCampaigns: { roles: ['manager', 'admin'], verb: 'create campaigns or act on all their posts at once' },
  reconcilePosts: { roles: ['admin'], verb: 'reconcile posts with Temporal' },
  readThreads: { roles: ROLES, verb: 'read conversations' },
  // Agents answer the conversations of their queues; a lead answers alongside the team.
  answerThreads: { roles: ['agent', 'lead', 'manager', 'admin'], verb: 'work on conversations' },
  // An agent may still take a conversation for themselves (the workflow's self-service rule).
  assignThreads: { roles: ['lead', 'manager', 'admin'], verb: 'assign conversations to someone else' },
  escalateThreads: { roles: ['agent', 'lead', 'manager', 'admin'], verb: 'escalate conversations' },
  configureQueues: { roles: ['manager', 'admin'], verb: "configure a brand's conversation queues" },
  manageInboundSecrets: { roles: ['admin'], verb: "rotate an account's inbound webhook secret" },
  readAccounts: { roles: ['manager', 'admin'], verb: "read an account's connection and health" },
  manageAccountCredentials: { roles: ['admin'], verb: "set an account's platform credentials" },
  // Agents need the templates and the hours they answer in; only the people who run the brand set them.
  readThreadSettings: { roles: ROLES, verb: "read a brand's conversation settings and reply templates" },
  configureThreads: {
    roles: ['manager', 'admin'],
    verb: "configure a brand's conversations (business hours, SLA policy, triage rules, reply templates)",
  },
  // Leads run a conversation team, so they read how it answers; the pipeline's reports are for the
  // people who run the brand. Viewers are read-only stakeholders. Agents do not see colleagues' figures.
  readResponseReports: { roles: ['admin', 'manager', 'lead', 'viewer'], verb: 'read response reports' },
  readReports: {
    roles: ['admin', 'manager', 'viewer'],
    verb: 'read content, publishing, performance and stored reports',
  },
  configureReports: {
    roles: ['manager', 'admin'],
    verb: "configure a brand's scheduled reports and posting cadence",
  },
  // Everyone who works for the brand must be able to see that it is in a crisis.
  readCrisis: { roles: ROLES, verb: "read a brand's crisis state and policy" },
  configureCrisis: { roles: ['manager', 'admin'], verb: "set a brand's crisis policy" },
  // Declaring, confirming and ending a crisis stops or restarts the whole brand's publishing.
  manageCrisis: { roles: ['manager', 'admin'], verb: 'declare, confirm or end a crisis' },
  // During a crisis a reply goes out only once someone who leads the team has read it.
  approveCrisisReplies: { roles: ['lead', 'manager', 'admin'], verb: 'approve or reject replies held during a crisis' },
} as const satisfies Record<string, ActionRule>;

export type ActionName = keyof typeof ACTION_RULES;

/** The actions the post workflow decides, in the workflow's own (recorded) spelling. */
export type PostAction = 'submit_revision' | 'reschedule' | 'cancel' | 'publish_now' | 'retry_failed_variants';

const POST_ACTION_NAMES: Readonly<Record<PostAction, ActionName>> = {
  submit_revision: 'submitRevision',
  reschedule: 'reschedule',
  cancel: 'cancel',
  publish_now: 'publishNow',
  retry_failed_variants: 'retryFailedVariants',
};

function postRule(action: PostAction): NonNullable<ActionRule['post']> & { roles: readonly Role[] } {
  const rule: ActionRule = ACTION_RULES[POST_ACTION_NAMES[action]];
  if (!rule.post) throw new Error(`${action} is not an action on a post`);
  return { ...rule.post, roles: rule.roles };
}

/**
 * The roles that may attempt the action, the API's early and coarse answer. For a post action
 * that is the author role when an author may act on their own post, the roles that may act on
 * any post, the backup role that may step in, and admin: what the precise rule then refuses an
 * admin, it refuses with its own reason.
 */
export function rolesAttempting(action: ActionName): readonly Role[] {
  const rule: ActionRule = ACTION_RULES[action];
  if (!rule.post) return rule.roles;
  const backup = rule.post.backupOnceEscalated ? [STAGE_OWNERS[rule.post.backupOnceEscalated].backupRole] : [];
  const roles: Role[] = [...(rule.post.author ? ['author' as const] : []), ...rule.roles, ...backup, 'admin'];
  return [...new Set(roles)];
}

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
  const rule = postRule(action);
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
  const rule = postRule(action);
  if (rule.stages.includes(stage)) return undefined;
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
        : `post is in ${stage}; a published post cannot be ${rule.describe}`;
    case 'failed':
      return `post is failed; only its failed variants can be retried`;
    default:
      if (action === 'submit_revision') return `post is in ${stage}, not drafting`;
      return action === 'publish_now'
        ? `post is in ${stage}; only a scheduled post can be published now`
        : `post is in ${stage}; nothing has been published to retry`;
  }
}

/** The stage whose backup role may take the action once that stage has been escalated, if any. */
export function escalationStageOf(action: PostAction): 'drafting' | undefined {
  return postRule(action).backupOnceEscalated;
}
