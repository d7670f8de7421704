/**
 * Posts: create one (which starts its workflow), list and read them, read their audit trail,
 * and act on them through the workflow's updates. The workflow decides whether an action is
 * allowed at this stage for this user; the API authenticates, validates and pre-checks roles.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Response } from 'express';
import { QueryRejectedError } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, WorkflowNotFoundError } from '@temporalio/common';
import type { UpdateDefinition } from '@temporalio/common';
import { PLACEHOLDER_SEQUENCE, type PostRecord } from '../../db/posts';
import { postEntity } from '../../db/audit';
import { TERMINAL_STAGES, type PostLifecycleInput, type PostStage } from '../../domain/types';
import {
  POST_WORKFLOW_TYPE,
  brandPause,
  cancel,
  getPostState,
  publishNow,
  reschedule,
  retryFailedVariants,
  review,
  submitRevision,
} from '../../workflows/messages';
import { postWorkflowId } from '../../domain/ids';
import { mayTakeAction, type PostAction } from '../../domain/permissions';
import { findStage } from '../../domain/reviewPolicy';
import { actorOf, coversBrand, brandScope, type AuthenticatedUser } from '../auth';
import { ApiErrorCode, HttpError, classifyError, conflict, forbidden, gone, notFound } from '../errors';
import { decodeListCursor, encodeListCursor } from '../listCursor';
import { mountOperation, type OperationTarget } from '../operations';
import { draftContent, initialPostState, invalidField, resolveBrandAccounts, resolvePublishAt } from '../postInput';
import { initialSearchAttributes } from '../searchAttributes';
import {
  AuditQuery,
  AuditResponse,
  CancelBody,
  CreatePostBody,
  CreatePostHeaders,
  CreatedPostResponse,
  EmptyBody,
  ErrorResponse,
  ListPostsQuery,
  PostDetailResponse,
  PostIdParams,
  PostListResponse,
  RescheduleBody,
  ReviewBody,
  SubmitRevisionBody,
  UpdateAcceptedResponse,
} from '../schemas';
import type { ApiServices } from '../services';

/** A read should not wait long on a workflow that cannot answer; the projection is a fine answer. */
const LIVE_STATE_DEADLINE_MS = 5_000;
/**
 * How long a create waits for the workflow's first step (the draft's quality check decides
 * between drafting and the first review stage) before answering with the expected stage.
 */
const ENTERED_STAGE_DEADLINE_MS = 3_000;
const ENTERED_STAGE_POLL_MS = [20, 40, 80, 120] as const;

const POST_NOT_FOUND = 'No such post';

export function mountPostRoutes(target: OperationTarget, services: ApiServices): void {
  const { posts, brands, accounts, audit, temporal } = services;

  /** The post as projected, if the caller may see it; 404 otherwise (other brands' posts do not exist for them). */
  async function visiblePost(user: AuthenticatedUser, postId: string): Promise<PostRecord> {
    const post = await posts.findById(postId);
    if (!post || !coversBrand(user, post.brandId)) throw notFound(POST_NOT_FOUND);
    return post;
  }

  /** Sends an update to the post's workflow as the user; the workflow's validator has the last word. */
  async function updatePost<Arg, Result>({
    user,
    postId,
    update,
    argument,
    action,
  }: {
    user: AuthenticatedUser;
    postId: string;
    update: UpdateDefinition<Result, [Arg]>;
    argument: (post: PostRecord) => Arg;
    /** For actions outside the review stages: answers an author acting on someone else's post at once. */
    action?: PostAction;
  }) {
    const post = await visiblePost(user, postId);
    if (action) {
      // The author of a post never changes, so the projection answers this as well as the workflow would.
      const permission = mayTakeAction({ action, actor: actorOf(user), authorId: post.authorId });
      if (!permission.ok) throw forbidden(permission.reason);
    }
    if (post.stage === 'lost') throw lostPostGone(post);
    if (TERMINAL_STAGES.includes(post.stage)) {
      throw conflict(
        `post is ${post.stage}${post.state.exitReason ? ` (${post.state.exitReason})` : ''}; it takes no further changes`,
      );
    }
    const handle = temporal.workflow.getHandle(post.workflowId);
    try {
      const result = await services.callTemporal(() => handle.executeUpdate(update, { args: [argument(post)] }));
      return { postId, result: result as Record<string, unknown> };
    } catch (error) {
      // When the check itself fails (Temporal unreachable), the update's own error says more.
      const lost = await services.reconciler.lostAfter(post, error).catch(() => undefined);
      throw lost ? lostPostGone(lost) : error;
    }
  }

  /**
   * A create repeated with an Idempotency-Key: the same request gets the post it created; another
   * body under the same key is refused, and so is a key whose post was lost (a new key creates it again).
   */
  async function answerRepeat(res: Response, earlier: PostRecord, requestHash: string) {
    if (earlier.requestHash !== null && earlier.requestHash !== requestHash) {
      throw new HttpError(
        422,
        ApiErrorCode.IdempotencyKeyReused,
        `this Idempotency-Key was already used for a different request (post ${earlier.id}); ` +
          'send a new key for a new post',
        { postId: earlier.id },
      );
    }
    let post = earlier;
    if (post.lastSequence === PLACEHOLDER_SEQUENCE) {
      // The first request may still be starting the workflow: answer with the stage it enters.
      const stage = await enteredStage({ postId: post.id, workflowId: post.workflowId, expected: post.stage });
      post = (await posts.findById(post.id)) ?? post;
      if (!TERMINAL_STAGES.includes(post.stage)) post = { ...post, stage };
    }
    if (!TERMINAL_STAGES.includes(post.stage)) post = await services.reconciler.reconcile(post);
    if (post.stage === 'lost') {
      throw gone(
        `the post this Idempotency-Key created (${post.id}) was lost: ${post.state.exitReason ?? 'its workflow is gone'}; ` +
          'send the request with a new key to create it again',
        { postId: post.id, reason: post.state.exitReason ?? null },
      );
    }
    return createdAnswer(res, post);
  }

  /**
   * The stage the workflow's first step entered, from the workflow itself; the projection (or the
   * expected stage) when the workflow does not get there within a short deadline.
   */
  async function enteredStage(input: { postId: string; workflowId: string; expected: PostStage }): Promise<PostStage> {
    const giveUpAt = Date.now() + ENTERED_STAGE_DEADLINE_MS;
    const handle = temporal.workflow.getHandle(input.workflowId);
    for (let attempt = 0; Date.now() < giveUpAt; attempt += 1) {
      try {
        const state = await services.callTemporal(() => handle.query(getPostState), {
          deadlineMs: Math.max(1, giveUpAt - Date.now()),
        });
        if (state.openStages.length > 0 || TERMINAL_STAGES.includes(state.stage)) return state.stage;
      } catch (error) {
        // Not started yet (a repeat racing the first request) is worth waiting for; anything else is not.
        if (!(error instanceof WorkflowNotFoundError)) break;
      }
      const pause = ENTERED_STAGE_POLL_MS[Math.min(attempt, ENTERED_STAGE_POLL_MS.length - 1)];
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, Math.max(0, giveUpAt - Date.now()))));
    }
    const projected = await posts.findById(input.postId);
    return projected && projected.lastSequence !== PLACEHOLDER_SEQUENCE ? projected.stage : input.expected;
  }

  mountOperation(target, {
    method: 'post',
    path: '/v1/posts',
    operationId: 'createPost',
    tag: 'posts',
    summary: 'Create a post and start its review workflow',
    description:
      'Starts the workflow `post:<id>`. The review stages follow from the risk tier, flags and urgency. ' +
      'Give `targets` (accounts to publish to, content to follow in drafting) or a `draft` with the text ' +
      "and media per account. A post created while its brand's publishing is paused starts paused.",
    access: 'createPost',
    body: CreatePostBody,
    headers: CreatePostHeaders,
    errors: [404, 410],
    otherResponses: {
      422: {
        description: 'The Idempotency-Key was already used by this user for a request with a different body',
        schema: ErrorResponse,
      },
    },
    success: {
      status: 201,
      description:
        'The post exists and its workflow is running; `stage` is the stage its first step entered (drafting ' +
        'when the draft fails the quality checks). A repeat with the same Idempotency-Key and body answers the same post',
      schema: CreatedPostResponse,
    },
    handle: async ({ body, user, res, headers }) => {
      const idempotencyKey = headers['idempotency-key'];
      const postId = idempotencyKey ? postIdForKey({ userId: user.id, key: idempotencyKey }) : randomUUID();
      const requestHash = hashRequest(body);
      if (idempotencyKey) {
        const earlier = await posts.findById(postId);
        if (earlier) return answerRepeat(res, earlier, requestHash);
      }
      if (!coversBrand(user, body.brandId))
        throw invalidField(['brandId'], `you do not work for brand ${body.brandId}`);
      const brand = await brands.findById(body.brandId);
      if (!brand) throw invalidField(['brandId'], `no brand ${body.brandId}`);
      if (body.campaignId !== undefined) {
        const campaign = await brands.findCampaign(body.campaignId);
        if (!campaign || campaign.brandId !== brand.id) {
          throw invalidField(['campaignId'], `campaign ${body.campaignId} is not one of brand ${brand.id}'s campaigns`);
        }
      }
      const accountIds = body.draft
        ? body.draft.variants.map((v) => v.accountId)
        : (body.targets ?? []).map((t) => t.accountId);
      const targetAccounts = await resolveBrandAccounts({
        brandId: brand.id,
        accountIds,
        path: body.draft ? ['draft', 'variants'] : ['targets'],
        findByIds: (ids) => accounts.findByIds(ids),
      });
      const timeZone = body.timeZone ?? brand.timeZone;
      const input: PostLifecycleInput = {
        postId,
        brandId: brand.id,
        ...(body.campaignId !== undefined ? { campaignId: body.campaignId } : {}),
        authorId: user.id,
        title: body.title,
        ...(body.brief !== undefined ? { brief: body.brief } : {}),
        riskTier: body.riskTier,
        flags: body.flags,
        urgent: body.urgent,
        publishAt: resolvePublishAt({ publishAt: body.publishAt, timeZone }),
        timeZone,
        ...(body.draft
          ? { draft: draftContent({ draft: body.draft, accounts: targetAccounts }) }
          : { targets: targetAccounts.map((account) => ({ accountId: account.id, platform: account.platform })) }),
      };
      const initial = initialPostState({ input, targets: targetAccounts, now: new Date().toISOString() });
      await posts.applyProjection({ state: initial, sequence: PLACEHOLDER_SEQUENCE, requestHash });

      const workflowId = postWorkflowId(postId);
      const options = {
        workflowId,
        taskQueue: services.taskQueue,
        args: [input] as [PostLifecycleInput],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: initialSearchAttributes({ state: initial }),
      };
      try {
        if (brand.publishingPaused) {
          // Signal-with-start delivers the pause before the workflow's first step, so it can never
          // slip out a publication in between. It takes no FAIL conflict policy (its point is to
          // reach a running workflow); the fresh post id is what rules out a conflict here.
          await services.callTemporal(() =>
            temporal.workflow.signalWithStart(POST_WORKFLOW_TYPE, {
              ...options,
              signal: brandPause,
              signalArgs: [{ paused: true, by: 'system', reason: brand.pausedReason ?? 'brand publishing is paused' }],
            }),
          );
        } else {
          await services.callTemporal(() =>
            temporal.workflow.start(POST_WORKFLOW_TYPE, { ...options, workflowIdConflictPolicy: 'FAIL' }),
          );
        }
      } catch (error) {
        if (idempotencyKey && error instanceof WorkflowExecutionAlreadyStartedError) {
          // The same request, repeated at the same moment, won the race: answer with its post.
          const earlier = await posts.findById(postId);
          if (earlier) return answerRepeat(res, earlier, requestHash);
        }
        await forgetUnstartedPost(services, postId, error);
        throw error;
      }

      res.setHeader('Location', `/v1/posts/${postId}`);
      return {
        postId,
        workflowId,
        stage: await enteredStage({ postId, workflowId, expected: initial.stage }),
        publishAt: input.publishAt,
        timeZone,
        brandPaused: brand.publishingPaused,
      };
    },
  });

  mountOperation(target, {
    method: 'get',
    path: '/v1/posts',
    operationId: 'listPosts',
    tag: 'posts',
    summary: 'List posts',
    description:
      'Filter by stage, brand, campaign, platform and publish window; ordered by publish time. Page with ' +
      '`limit` and either `cursor` (from `nextCursor`) or `offset`. Read from the projection in Postgres.',
    access: 'readPosts',
    query: ListPostsQuery,
    success: { status: 200, description: 'One page of posts', schema: PostListResponse },
    handle: async ({ query, user }) => {
      const after = query.cursor !== undefined ? decodeListCursor(query.cursor) : undefined;
      if (query.cursor !== undefined && !after) {
        throw invalidField(['cursor'], 'not a cursor this API issued; pass nextCursor from the previous page');
      }
      const page = await posts.list({
        brandIds: brandScope(user),
        ...(query.brandId ? { brandId: query.brandId } : {}),
        ...(query.stage ? { stage: query.stage } : {}),
        ...(query.campaignId ? { campaignId: query.campaignId } : {}),
        ...(query.platform ? { platform: query.platform } : {}),
        ...(query.publishFrom ? { publishFrom: query.publishFrom } : {}),
        ...(query.publishTo ? { publishTo: query.publishTo } : {}),
        // One more than asked tells whether another page follows.
        limit: query.limit + 1,
        ...(after ? { after } : { offset: query.offset ?? 0 }),
      });
      const items = page.items.slice(0, query.limit);
      const last = items[items.length - 1];
      const more = page.items.length > query.limit;
      return {
        items: items.map(({ lastSequence: _lastSequence, ...summary }) => summary),
        total: page.total,
        limit: query.limit,
        ...(after ? {} : { offset: page.offset }),
        nextCursor: more && last ? encodeListCursor({ publishAt: last.publishAt, id: last.id }) : null,
      };
    },
  });

  mountOperation(target, {
    method: 'get',
    path: '/v1/posts/:id',
    operationId: 'getPost',
    tag: 'posts',
    summary: "A post's current state",
    description:
      "Asks the post's workflow for its live state. When the workflow has finished, or cannot answer right " +
      'now, answers with the state last projected to Postgres; `source` says which. A post whose workflow is ' +
      'gone from Temporal is closed in the stage `lost` and `staleReason` says how it was lost.',
    access: 'readPosts',
    params: PostIdParams,
    errors: [404],
    success: { status: 200, description: 'The post', schema: PostDetailResponse },
    handle: async ({ params, user }) => {
      const post = await visiblePost(user, params.id);
      if (TERMINAL_STAGES.includes(post.stage)) return finishedPostAnswer(post);
      try {
        const live = await services.reconciler.liveState(post, { deadlineMs: LIVE_STATE_DEADLINE_MS });
        return live.kind === 'live' ? { source: 'workflow', post: live.state } : finishedPostAnswer(live.post);
      } catch (error) {
        const staleReason =
          error instanceof WorkflowNotFoundError
            ? 'the workflow is still being started'
            : error instanceof QueryRejectedError
              ? 'the workflow has finished'
              : classifyError(error).status === 503
                ? 'Temporal did not answer'
                : 'the workflow could not answer';
        services.logger.warn({ err: error, postId: post.id }, 'serving projected post state');
        return { source: 'projection', staleReason, post: post.state };
      }
    },
  });

  mountOperation(target, {
    method: 'get',
    path: '/v1/posts/:id/audit',
    operationId: 'getPostAudit',
    tag: 'posts',
    summary: "A post's audit trail",
    description: 'Every transition: who did what, when, from which stage to which; oldest first.',
    access: 'readPosts',
    params: PostIdParams,
    query: AuditQuery,
    errors: [404],
    success: { status: 200, description: 'The audit entries', schema: AuditResponse },
    handle: async ({ params, query, user }) => {
      await visiblePost(user, params.id);
      const entries = await audit.listByEntity({
        entity: postEntity(params.id),
        ...(query.afterSequence !== undefined ? { afterSequence: query.afterSequence } : {}),
        limit: query.limit,
      });
      return { postId: params.id, entries: entries.map(({ entity: _entity, ...entry }) => entry) };
    },
  });

  mountOperation(target, {
    method: 'post',
    path: '/v1/posts/:id/revisions',
    operationId: 'submitRevision',
    tag: 'post actions',
    summary: 'Submit a revision (drafting)',
    description:
      "New content, a variant per account. Approvals of earlier revisions no longer count. The post's author, " +
      'or the backup role once drafting has been escalated.',
    access: 'submitRevision',
    params: PostIdParams,
    body: SubmitRevisionBody,
    errors: [404, 409, 410, 422],
    success: { status: 200, description: 'The revision number', schema: UpdateAcceptedResponse },
    handle: async ({ params, body, user }) => {
      const post = await visiblePost(user, params.id);
      // The projection may not show an escalation yet, so whether the backup role may step in is
      // left to the workflow; everyone else is answered here.
      const drafting = findStage({ plan: post.state.plan, stage: 'drafting' });
      const permission = mayTakeAction({
        action: 'submit_revision',
        actor: actorOf(user),
        authorId: post.authorId,
        ...(drafting ? { escalation: { backupRole: drafting.backupRole, escalated: true } } : {}),
      });
      if (!permission.ok) throw forbidden(permission.reason);
      const revisionAccounts = await resolveBrandAccounts({
        brandId: post.brandId,
        accountIds: body.variants.map((variant) => variant.accountId),
        path: ['variants'],
        findByIds: (ids) => accounts.findByIds(ids),
      });
      const content = draftContent({ draft: body, accounts: revisionAccounts });
      return updatePost({
        user,
        postId: params.id,
        update: submitRevision,
        argument: () => ({ by: actorOf(user), content }),
      });
    },
  });

  mountOperation(target, {
    method: 'post',
    path: '/v1/posts/:id/reviews',
    operationId: 'reviewPost',
    tag: 'post actions',
    summary: 'Approve, reject or request changes',
    description:
      "Decides the named stage for the revision the reviewer looked at. Only the stage's role (or its backup " +
      "role once escalated) may decide, never the post's author; a decision for another stage or an older " +
      'revision is refused with 409.',
    access: 'review',
    params: PostIdParams,
    body: ReviewBody,
    errors: [404, 409, 410],
    success: { status: 200, description: 'The stage and revision now open', schema: UpdateAcceptedResponse },
    handle: ({ params, body, user }) =>
      updatePost({
        user,
        postId: params.id,
        update: review,
        argument: () => ({
          by: actorOf(user),
          stage: body.stage,
          revision: body.revision,
          decision: body.decision,
          ...(body.comment !== undefined ? { comment: body.comment } : {}),
        }),
      }),
  });

  mountOperation(target, {
    method: 'post',
    path: '/v1/posts/:id/reschedule',
    operationId: 'reschedulePost',
    tag: 'post actions',
    summary: 'Move the publish time',
    description:
      "A local date-time is read in `timeZone`, by default the post's own zone. Allowed until publishing starts.",
    access: 'reschedule',
    params: PostIdParams,
    body: RescheduleBody,
    errors: [404, 409, 410],
    success: { status: 200, description: 'The new publish time', schema: UpdateAcceptedResponse },
    handle: ({ params, body, user }) =>
      updatePost({
        user,
        postId: params.id,
        update: reschedule,
        action: 'reschedule',
        argument: (post) => {
          const timeZone = body.timeZone ?? post.timeZone;
          return { by: actorOf(user), publishAt: resolvePublishAt({ publishAt: body.publishAt, timeZone }), timeZone };
        },
      }),
  });

  mountOperation(target, {
    method: 'post',
    path: '/v1/posts/:id/cancel',
    operationId: 'cancelPost',
    tag: 'post actions',
    summary: 'Cancel the post',
    description: 'Allowed until publishing starts.',
    access: 'cancel',
    params: PostIdParams,
    body: CancelBody,
    errors: [404, 409, 410],
    success: { status: 200, description: 'The stage the post was cancelled in', schema: UpdateAcceptedResponse },
    handle: ({ params, body, user }) =>
      updatePost({
        user,
        postId: params.id,
        update: cancel,
        action: 'cancel',
        argument: () => ({ by: actorOf(user), reason: body.reason }),
      }),
  });

  mountOperation(target, {
    method: 'post',
    path: '/v1/posts/:id/publish-now',
    operationId: 'publishPostNow',
    tag: 'post actions',
    summary: 'Publish an approved, scheduled post now',
    access: 'publishNow',
    params: PostIdParams,
    body: EmptyBody,
    errors: [404, 409, 410],
    success: { status: 200, description: 'Publishing has started', schema: UpdateAcceptedResponse },
    handle: ({ params, user }) =>
      updatePost({
        user,
        postId: params.id,
        update: publishNow,
        action: 'publish_now',
        argument: () => ({ by: actorOf(user) }),
      }),
  });

  mountOperation(target, {
    method: 'post',
    path: '/v1/posts/:id/retry',
    operationId: 'retryFailedVariants',
    tag: 'post actions',
    summary: 'Retry the variants that failed to publish',
    description: 'Variants already published are never published again.',
    access: 'retryFailedVariants',
    params: PostIdParams,
    body: EmptyBody,
    errors: [404, 409, 410],
    success: { status: 200, description: 'How many variants are being retried', schema: UpdateAcceptedResponse },
    handle: ({ params, user }) =>
      updatePost({
        user,
        postId: params.id,
        update: retryFailedVariants,
        action: 'retry_failed_variants',
        argument: () => ({ by: actorOf(user) }),
      }),
  });
}

/**
 * When Temporal refused or never received the start, the placeholder row would list a post that
 * does not exist. If the start did reach Temporal after all, the workflow's first projection
 * writes the row again.
 */
/** The post id a user's idempotency key stands for: the same key always names the same post. */
function postIdForKey({ userId, key }: { userId: string; key: string }): string {
  const hex = createHash('sha256').update(`${userId}\u0000${key}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** 410 for any action on a lost post: its workflow is gone, and the reason says how. */
function lostPostGone(post: PostRecord): HttpError {
  const reason = post.state.exitReason ?? 'its workflow is gone';
  return gone(`post ${post.id} was lost: ${reason}; it takes no further changes`, { postId: post.id, reason });
}

function finishedPostAnswer(post: PostRecord): Record<string, unknown> {
  const staleReason =
    post.stage === 'lost'
      ? `the post was lost: ${post.state.exitReason ?? 'its workflow is gone'}`
      : `the workflow has finished (${post.stage})`;
  return { source: 'projection', staleReason, post: post.state };
}

/**
 * The create request as a hash of its validated body with keys in a fixed order, so that the
 * same request sent again matches however its JSON was laid out.
 */
function hashRequest(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function createdAnswer(res: Response, post: PostRecord): Record<string, unknown> {
  res.setHeader('Location', `/v1/posts/${post.id}`);
  return {
    postId: post.id,
    workflowId: post.workflowId,
    stage: post.stage,
    publishAt: post.publishAt,
    timeZone: post.timeZone,
    brandPaused: post.state.paused,
  };
}

async function forgetUnstartedPost(services: ApiServices, postId: string, cause: unknown): Promise<void> {
  try {
    await services.posts.deletePlaceholder({ postId, sequence: PLACEHOLDER_SEQUENCE });
  } catch (error) {
    services.logger.error(
      { err: error, postId, cause },
      'could not remove the projection of a post whose workflow did not start',
    );
  }
}
