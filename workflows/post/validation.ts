/**
 * The post's update validators: they refuse a bad request before anything reaches history, with
 * the same text policy and limits as the API's schemas, and the error types the API maps to statuses.
 */
import { canDecide, findStage, type DecisionRefusal } from '../../domain/reviewPolicy';
import { PLATFORMS, ROLES, type Actor, type Media, type RevisionContent } from '../../domain/types';
import type {
  ActorRequest,
  CancelRequest,
  PublishNowRequest,
  RescheduleRequest,
  ReviewRequest,
  SubmitRevisionRequest,
} from '../messages';
import { heldRefusal, holdsAgainstPublishNow } from './holds';
import { PostUpdateError, refuse } from './errors';
import { mayTakeAction, stageRefusal, type PostAction } from '../../domain/permissions';
import { countedApprovals } from '../../domain/reviewProgress';
import { colleagueMayWrite } from './legacy/beforeRevisionsByAuthorOnly';
import type { PostRun } from './state';
import { MAX_MEDIA_PER_VARIANT, MAX_URL_LENGTH, MAX_VARIANTS, TEXT } from '../../domain/limits';
import { unstorableText } from '../../domain/storable';
import { textProblem, type TextRules } from '../../domain/text';

const DECISIONS = ['approve', 'reject', 'request_changes'] as const;

export function validateReschedule(run: PostRun, request: RescheduleRequest): void {
  requireActor(request?.by);
  const publishAt = typeof request.publishAt === 'string' ? Date.parse(request.publishAt) : Number.NaN;
  if (Number.isNaN(publishAt)) throw refuse(PostUpdateError.InvalidInput, 'publishAt must be an ISO-8601 instant');
  if (request.timeZone !== undefined && (typeof request.timeZone !== 'string' || request.timeZone === '')) {
    throw refuse(PostUpdateError.InvalidInput, 'timeZone must be an IANA time zone name');
  }
  requireStorable(request);
  requireAllowed(run, 'reschedule', request.by);
  if (publishAt <= Date.now()) {
    throw refuse(PostUpdateError.InvalidInput, `publish time ${new Date(publishAt).toISOString()} is in the past`);
  }
}

export function validateCancel(run: PostRun, request: CancelRequest): void {
  requireActor(request?.by);
  if (typeof request.reason !== 'string') {
    throw refuse(
      PostUpdateError.InvalidInput,
      `a cancellation needs a reason of 1 to ${TEXT.cancelReason.maxGraphemes} characters`,
    );
  }
  requireText('reason', request.reason, TEXT.cancelReason);
  requireStorable(request);
  requireAllowed(run, 'cancel', request.by);
  if (run.cancelling) throw refuse(PostUpdateError.InvalidTransition, 'post is already being cancelled');
}

export function validatePublishNow(run: PostRun, request: PublishNowRequest): void {
  const { state } = run;
  requireActor(request?.by);
  if (request.overrideHolds !== undefined && typeof request.overrideHolds !== 'boolean') {
    throw refuse(PostUpdateError.InvalidInput, 'overrideHolds must be true or false');
  }
  requireStorable(request);
  requireAllowed(run, 'publish_now', request.by);
  const holding = holdsAgainstPublishNow(state, request.overrideHolds === true);
  if (holding.length > 0) throw refuse(PostUpdateError.InvalidTransition, heldRefusal(holding));
  if (run.inbox.has('publish_now')) throw refuse(PostUpdateError.InvalidTransition, 'post is already being published');
}

export function validateRetry(run: PostRun, request: ActorRequest): void {
  const { state } = run;
  requireActor(request?.by);
  requireStorable(request);
  requireAllowed(run, 'retry_failed_variants', request.by);
  if (run.inbox.has('retry'))
    throw refuse(PostUpdateError.InvalidTransition, 'a retry of the failed variants is already under way');
  if (!state.variants.some((variant) => variant.status === 'failed')) {
    throw refuse(PostUpdateError.InvalidTransition, 'post has no failed variants to retry');
  }
  if (state.holds.length > 0) throw refuse(PostUpdateError.InvalidTransition, heldRefusal(state.holds));
}

/** Who may write a revision: since REVISIONS_BY_AUTHOR_ONLY, no longer any holder of drafting's role. */
export type RevisionRule = 'author_only' | 'any_author';

export function validateRevision(
  run: PostRun,
  request: SubmitRevisionRequest,
  rule: RevisionRule = 'author_only',
): void {
  const { state } = run;
  requireActor(request?.by);
  const problem = contentProblem(request.content);
  if (problem) throw refuse(PostUpdateError.InvalidInput, problem);
  requireStorable(request);
  requireOpen(run);
  // Until the first stage opens the handler waits and checks again.
  if (run.settingUp) return;
  if (!state.openStages.includes('drafting')) {
    throw refuse(PostUpdateError.InvalidTransition, `post is in ${describeOpenStages(run)}, not drafting`);
  }
  if (run.revisionBeingChecked) {
    throw refuse(
      PostUpdateError.InvalidTransition,
      `revision ${state.revision + 1} is being checked; submit again once it is done`,
    );
  }
  const drafting = findStage({ plan: state.plan, stage: 'drafting' });
  if (!drafting) throw refuse(PostUpdateError.Forbidden, "this post's review has no drafting stage");
  const escalated = state.deadlines.find((deadline) => deadline.stage === 'drafting')?.escalated ?? false;
  const permission = mayTakeAction({
    action: 'submit_revision',
    actor: request.by,
    authorId: state.authorId,
    escalation: { backupRole: drafting.backupRole, escalated },
  });
  if (permission.ok || (rule === 'any_author' && colleagueMayWrite({ actor: request.by, drafting }))) return;
  throw refuse(PostUpdateError.Forbidden, permission.reason);
}

export function validateReview(run: PostRun, request: ReviewRequest): void {
  const { state } = run;
  requireActor(request?.by);
  if (typeof request.stage !== 'string' || request.stage === '')
    throw refuse(PostUpdateError.InvalidInput, 'stage is required');
  if (!DECISIONS.includes(request.decision)) {
    throw refuse(PostUpdateError.InvalidInput, `decision must be one of ${DECISIONS.join(', ')}`);
  }
  if (!Number.isInteger(request.revision) || request.revision < 0) {
    throw refuse(PostUpdateError.InvalidInput, 'revision must be a whole number');
  }
  if (request.comment !== undefined && typeof request.comment !== 'string') {
    throw refuse(
      PostUpdateError.InvalidInput,
      `comment must be text of at most ${TEXT.reviewComment.maxGraphemes} characters`,
    );
  }
  // An empty comment is no comment (an approval needs none).
  if (request.comment) requireText('comment', request.comment, TEXT.reviewComment);
  requireStorable(request);
  requireOpen(run);
  if (!findStage({ plan: state.plan, stage: request.stage })) {
    throw refuse(PostUpdateError.InvalidTransition, `this post's review has no ${request.stage} stage`);
  }
  // Until the first stage opens the handler waits and checks again.
  if (run.settingUp) return;
  if (request.stage === 'drafting' || !state.openStages.includes(request.stage)) {
    throw refuse(PostUpdateError.InvalidTransition, `post is in ${describeOpenStages(run)}, not ${request.stage}`);
  }
  if (request.revision !== state.revision) {
    throw refuse(
      PostUpdateError.StaleRevision,
      `the decision is for revision ${request.revision}, but the post is at revision ${state.revision}`,
    );
  }
  if (request.decision === 'request_changes' && !findStage({ plan: state.plan, stage: 'drafting' })) {
    throw refuse(PostUpdateError.InvalidTransition, "this post's review has no drafting stage to return to");
  }
  const check = canDecide({
    plan: state.plan,
    stage: request.stage,
    decision: request.decision,
    actor: request.by,
    authorId: state.authorId,
    revisionAuthorIds: run.revisionAuthorIds,
    escalated: state.deadlines.find((deadline) => deadline.stage === request.stage)?.escalated ?? false,
    priorApprovers: countedApprovals(run.reviewRecord()),
  });
  if (!check.ok) throw refuse(REFUSAL_ERRORS[check.code], check.reason);
}

const REFUSAL_ERRORS: Record<DecisionRefusal, PostUpdateError> = {
  stage_not_in_plan: PostUpdateError.InvalidTransition,
  not_a_review_stage: PostUpdateError.InvalidTransition,
  own_post: PostUpdateError.Forbidden,
  missing_role: PostUpdateError.Forbidden,
  already_approved: PostUpdateError.InvalidTransition,
  approved_another_stage: PostUpdateError.Forbidden,
};

function requireActor(actor: Actor | undefined): void {
  const valid =
    typeof actor === 'object' &&
    actor !== null &&
    typeof actor.userId === 'string' &&
    actor.userId !== '' &&
    Array.isArray(actor.roles) &&
    actor.roles.every((role) => (ROLES as readonly string[]).includes(role));
  if (!valid)
    throw refuse(PostUpdateError.InvalidInput, 'the request must say who is acting: a user id and known roles');
}

/** The text policy every client-written text passes, with the same limits as the API's schemas. */
function requireText(field: string, value: string, rules: TextRules): void {
  const problem = textProblem(value, rules);
  if (problem) throw refuse(PostUpdateError.InvalidInput, `${field} ${problem.message}`);
}

/** Nothing accepted may hold a value an activity could never write (ids and names included). */
function requireStorable(request: unknown): void {
  const problem = unstorableText(request);
  if (problem) throw refuse(PostUpdateError.InvalidInput, `${problem.path} ${problem.message}`);
}

function requireOpen(run: PostRun): void {
  if (run.finished || run.unrecordable)
    throw refuse(
      PostUpdateError.InvalidTransition,
      `post is ${run.state.stage === 'failed' ? 'failed' : 'closed'}; it takes no further changes`,
    );
}

function requireAllowed(run: PostRun, action: PostAction, actor: Actor): void {
  requireOpen(run);
  const stageProblem = stageRefusal({ action, stage: run.state.stage });
  if (stageProblem) throw refuse(PostUpdateError.InvalidTransition, stageProblem);
  const permission = mayTakeAction({ action, actor, authorId: run.state.authorId });
  if (!permission.ok) throw refuse(PostUpdateError.Forbidden, permission.reason);
}

function describeOpenStages(run: PostRun): string {
  const open = run.state.openStages.length > 0 ? run.state.openStages : [run.state.stage];
  return open.join(' and ');
}

function contentProblem(content: RevisionContent | undefined): string | undefined {
  if (typeof content !== 'object' || content === null || !Array.isArray(content.variants)) {
    return 'content must have a list of variants';
  }
  if (content.note !== undefined && typeof content.note !== 'string') return 'note must be text';
  const noteProblem = content.note ? textProblem(content.note, TEXT.revisionNote) : undefined;
  if (noteProblem) return `note ${noteProblem.message}`;
  if (content.variants.length > MAX_VARIANTS) return `a revision has at most ${MAX_VARIANTS} variants`;
  for (const [index, variant] of content.variants.entries()) {
    const where = `variant ${index + 1}`;
    if (typeof variant !== 'object' || variant === null) return `${where} must be an object`;
    if (typeof variant.accountId !== 'string' || variant.accountId === '') return `${where} needs an accountId`;
    if (!(PLATFORMS as readonly string[]).includes(variant.platform)) {
      return `${where} has unknown platform "${String(variant.platform)}"; expected one of ${PLATFORMS.join(', ')}`;
    }
    if (typeof variant.text !== 'string') return `${where} needs text`;
    const textIssue = textProblem(variant.text, TEXT.variantText);
    if (textIssue) return `${where} text ${textIssue.message}`;
    if (!Array.isArray(variant.media) || !variant.media.every(isMedia))
      return `${where} media must be a list of { url, kind: image | video }`;
    if (variant.media.length > MAX_MEDIA_PER_VARIANT) return `${where} has more than ${MAX_MEDIA_PER_VARIANT} media`;
  }
  return undefined;
}

function isMedia(media: Media): boolean {
  return (
    typeof media === 'object' &&
    media !== null &&
    typeof media.url === 'string' &&
    media.url.length <= MAX_URL_LENGTH &&
    (media.kind === 'image' || media.kind === 'video')
  );
}
