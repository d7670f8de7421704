/**
 * Creating a post: the checks a person can fix (brand, campaign, accounts, publish time), the
 * placeholder row that lists the post at once, and the start of its workflow (signal-with-start
 * when the brand is paused, so the pause arrives before the first step). An Idempotency-Key makes
 * a repeat answer the post the first request created.
 */
import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, WorkflowNotFoundError } from '@temporalio/common';
import type { Logger } from 'pino';
import type { AccountStore } from '../../../db/accounts';
import type { BrandStore } from '../../../db/brands';
import type { CrisisStore } from '../../../db/crisis';
import { PLACEHOLDER_SEQUENCE, type PostRecord, type PostStore } from '../../../db/posts';
import { campaignIsOpen } from '../../../domain/campaigns';
import { TERMINAL_STAGES, type PostLifecycleInput, type PostStage } from '../../../domain/types';
import { POST_WORKFLOW_TYPE, brandPause, getPostState } from '../../../workflows/messages';
import { postWorkflowId } from '../../../domain/ids';
import type { CreatePostBody } from '../../schemas';
import type { PostReconciler } from '../../reconciliation';
import { initialSearchAttributes } from '../../searchAttributes';
import { coversBrand, type AuthenticatedUser } from '../caller';
import { Refusal, RefusedError, conflict, gone, invalidField } from '../errors';
import { draftContent, initialPostState, resolveBrandAccounts, resolvePublishAt } from '../postInput';
import type { TemporalAccess } from '../temporal';

/**
 * How long a create waits for the workflow's first step (the draft's quality check decides
 * between drafting and the first review stage) before answering with the expected stage.
 */
const ENTERED_STAGE_DEADLINE_MS = 3_000;
const ENTERED_STAGE_POLL_MS = [20, 40, 80, 120] as const;

export interface PostCreationDeps {
  posts: Pick<PostStore, 'findById' | 'applyProjection' | 'deletePlaceholder'>;
  brands: Pick<BrandStore, 'findById' | 'findCampaign'>;
  /** The brand's declared crisis, which new posts start held by. */
  crises: Pick<CrisisStore, 'activeCrisis'>;
  accounts: Pick<AccountStore, 'findByIds'>;
  reconciler: Pick<PostReconciler, 'reconcile'>;
  temporal: TemporalAccess;
  logger: Pick<Logger, 'error'>;
}

export interface CreatedPost {
  postId: string;
  workflowId: string;
  stage: PostStage;
  publishAt: string;
  timeZone: string;
  brandPaused: boolean;
  /** The brand is in a crisis: the post starts held until the crisis ends. */
  crisisHeld: boolean;
}

export function createPostCreation({
  posts,
  brands,
  crises,
  accounts,
  reconciler,
  temporal,
  logger,
}: PostCreationDeps) {
  /**
   * The stage the workflow's first step entered, from the workflow itself; the projection (or the
   * expected stage) when the workflow does not get there within a short deadline.
   */
  async function enteredStage(input: { postId: string; workflowId: string; expected: PostStage }): Promise<PostStage> {
    const giveUpAt = Date.now() + ENTERED_STAGE_DEADLINE_MS;
    const handle = temporal.workflow.getHandle(input.workflowId);
    for (let attempt = 0; Date.now() < giveUpAt; attempt += 1) {
      try {
        const state = await temporal.call(() => handle.query(getPostState), {
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

  /**
   * A create repeated with an Idempotency-Key: the same request gets the post it created; another
   * body under the same key is refused, and so is a key whose post was lost (a new key creates it again).
   */
  async function answerRepeat(earlier: PostRecord, requestHash: string): Promise<CreatedPost> {
    if (earlier.requestHash !== null && earlier.requestHash !== requestHash) {
      throw new RefusedError(
        Refusal.IdempotencyKeyReused,
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
    if (!TERMINAL_STAGES.includes(post.stage)) post = await reconciler.reconcile(post);
    if (post.stage === 'lost') {
      throw gone(
        `the post this Idempotency-Key created (${post.id}) was lost: ${post.state.exitReason ?? 'its workflow is gone'}; ` +
          'send the request with a new key to create it again',
        { postId: post.id, reason: post.state.exitReason ?? null },
      );
    }
    return {
      postId: post.id,
      workflowId: post.workflowId,
      stage: post.stage,
      publishAt: post.publishAt,
      timeZone: post.timeZone,
      brandPaused: post.state.paused,
      crisisHeld: (post.state.holds ?? []).some((hold) => hold.source === 'crisis'),
    };
  }

  /**
   * A placeholder row whose workflow Temporal does not know: the request that wrote it ended (its
   * process died, or Temporal never got the start) between the row and the start. The same request
   * repeated carries on from there and starts the workflow, as the first one would have.
   */
  async function neverStarted(earlier: PostRecord, requestHash: string): Promise<boolean> {
    if (earlier.lastSequence !== PLACEHOLDER_SEQUENCE || earlier.requestHash !== requestHash) return false;
    try {
      await temporal.call(() => temporal.workflow.getHandle(earlier.workflowId).describe());
      return false;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return true;
      throw error;
    }
  }

  /**
   * When Temporal refused or never received the start, the placeholder row would list a post that
   * does not exist. If the start did reach Temporal after all, the workflow's first projection
   * writes the row again.
   */
  async function forgetUnstartedPost(postId: string, cause: unknown): Promise<void> {
    try {
      await posts.deletePlaceholder({ postId, sequence: PLACEHOLDER_SEQUENCE });
    } catch (error) {
      logger.error(
        { err: error, postId, cause },
        'could not remove the projection of a post whose workflow did not start',
      );
    }
  }

  return async function create({
    user,
    body,
    idempotencyKey,
    postId: givenPostId,
    awaitFirstStage = true,
    holds: givenHolds = [],
  }: {
    user: AuthenticatedUser;
    body: CreatePostBody;
    idempotencyKey?: string;
    /**
     * The post's id, decided by the caller (a campaign's planned post): like an Idempotency-Key,
     * a repeat answers the post the first request created.
     */
    postId?: string;
    /** False: answer with the expected stage at once instead of waiting for the first step. */
    awaitFirstStage?: boolean;
    /** Holds the post starts under besides those its campaign's row implies (the campaign's workflow knows better). */
    holds?: NonNullable<PostLifecycleInput['holds']>;
  }): Promise<CreatedPost> {
    const postId =
      givenPostId ?? (idempotencyKey ? postIdForKey({ userId: user.id, key: idempotencyKey }) : randomUUID());
    const requestHash = hashRequest(body);
    if (idempotencyKey || givenPostId) {
      const earlier = await posts.findById(postId);
      if (earlier && !(await neverStarted(earlier, requestHash))) return answerRepeat(earlier, requestHash);
    }
    if (!coversBrand(user, body.brandId)) throw invalidField(['brandId'], `you do not work for brand ${body.brandId}`);
    const brand = await brands.findById(body.brandId);
    if (!brand) throw invalidField(['brandId'], `no brand ${body.brandId}`);
    const holds = [...givenHolds];
    if (body.campaignId !== undefined) {
      const campaign = await brands.findCampaign(body.campaignId);
      if (!campaign || campaign.brandId !== brand.id) {
        throw invalidField(['campaignId'], `campaign ${body.campaignId} is not one of brand ${brand.id}'s campaigns`);
      }
      if (!campaignIsOpen(campaign.status)) {
        throw conflict(`campaign ${campaign.id} is ${campaign.status}; it takes no new posts`);
      }
      // A post joining a paused campaign starts held, so it cannot publish before the campaign resumes.
      if (campaign.paused && !holds.some((hold) => hold.source === 'campaign')) {
        holds.push({
          source: 'campaign',
          by: `campaign:${campaign.id}`,
          ...(campaign.pausedReason ? { reason: campaign.pausedReason } : {}),
        });
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
    // Read before the workflow starts: a crisis declared after this read reaches the post through
    // the crisis monitor's late pass over the brand's posts.
    const crisis = await crises.activeCrisis({ brandId: brand.id });
    if (crisis && !holds.some((hold) => hold.source === 'crisis')) {
      holds.push({
        source: 'crisis',
        by: crisis.declaredBy ?? 'system',
        ...(crisis.declareReason ? { reason: crisis.declareReason } : {}),
      });
    }
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
      ...(holds.length > 0 ? { holds } : {}),
      ...(body.draft
        ? { draft: draftContent({ draft: body.draft, accounts: targetAccounts }) }
        : { targets: targetAccounts.map((account) => ({ accountId: account.id, platform: account.platform })) }),
    };
    const initial = initialPostState({ input, targets: targetAccounts, now: new Date().toISOString() });
    await posts.applyProjection({ state: initial, sequence: PLACEHOLDER_SEQUENCE, requestHash });

    const workflowId = postWorkflowId(postId);
    const options = {
      workflowId,
      taskQueue: temporal.taskQueue,
      args: [input] as [PostLifecycleInput],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: initialSearchAttributes({ state: initial }),
    };
    try {
      if (brand.publishingPaused) {
        // Signal-with-start delivers the pause before the workflow's first step, so it can never
        // slip out a publication in between. It takes no FAIL conflict policy (its point is to
        // reach a running workflow); the fresh post id is what rules out a conflict here.
        await temporal.call(() =>
          temporal.workflow.signalWithStart(POST_WORKFLOW_TYPE, {
            ...options,
            signal: brandPause,
            signalArgs: [{ paused: true, by: 'system', reason: brand.pausedReason ?? 'brand publishing is paused' }],
          }),
        );
      } else {
        await temporal.call(() =>
          temporal.workflow.start(POST_WORKFLOW_TYPE, { ...options, workflowIdConflictPolicy: 'FAIL' }),
        );
      }
    } catch (error) {
      if ((idempotencyKey || givenPostId) && error instanceof WorkflowExecutionAlreadyStartedError) {
        // The same request, repeated at the same moment, won the race: answer with its post.
        const earlier = await posts.findById(postId);
        if (earlier) return answerRepeat(earlier, requestHash);
      }
      await forgetUnstartedPost(postId, error);
      throw error;
    }

    return {
      postId,
      workflowId,
      stage: awaitFirstStage ? await enteredStage({ postId, workflowId, expected: initial.stage }) : initial.stage,
      publishAt: input.publishAt,
      timeZone,
      brandPaused: brand.publishingPaused,
      crisisHeld: crisis !== undefined,
    };
  };
}

/** The post id a user's idempotency key stands for: the same key always names the same post. */
export function postIdForKey({ userId, key }: { userId: string; key: string }): string {
  const hex = createHash('sha256').update(`${userId}\u0000${key}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The create request as a hash of its validated body with keys in a fixed order, so that the
 * same request sent again matches however its JSON was laid out.
 */
export function hashRequest(body: unknown): string {
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
