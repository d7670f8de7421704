/**
 * Keeps the projections honest about workflows that are gone. A post whose workflow no longer
 * runs (an offline server restarted, an admin terminated or reset it, retention removed it, it
 * timed out or failed) while its projection still shows it open is closed as `lost`, with the
 * reason and with whatever the platforms' ledgers show it published. Run lazily when a request
 * meets a missing workflow, over every open post at start-up, and on demand by an admin.
 */
import { QueryRejectCondition, QueryRejectedError, WorkflowClient, type Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { temporal as proto } from '@temporalio/proto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { createBlueskyConnector } from '../activities/connectors/bluesky';
import { createSandboxConnector } from '../activities/connectors/sandbox';
import { createConnectorRegistry, type ConnectorRegistry } from '../activities/connectors/types';
import { createAccountStore } from '../db/accounts';
import { createAuditLog } from '../db/audit';
import { createCampaignStore } from '../db/campaigns';
import { createLostPostRecorder } from '../db/lostPosts';
import { PLACEHOLDER_SEQUENCE, createPostStore, type OpenPostRef, type PostRecord } from '../db/posts';
import { lostReason, type LedgerPublication, type WorkflowGone } from '../domain/lostPost';
import { publicationKey } from '../domain/publicationKey';
import { getPostState, type PostState } from '../workflows/messages';
import { restartGoneCampaigns } from './services/campaigns';
import type { CallTemporal } from './services/temporal';
import { isTemporalUnreachable } from './services/unavailable';

/**
 * A post whose projection is still the API's placeholder may be one whose workflow is being
 * started right now (by this or another API process): it is not lost until this has passed.
 */
export const PLACEHOLDER_GRACE_MS = 60_000;
/** Describe calls in flight at once during a pass; enough to be quick without flooding Temporal. */
export const RECONCILE_CONCURRENCY = 8;
const PAGE_SIZE = 200;

/** What Temporal says about the workflow a post's projection belongs to. */
export type RunCheck =
  { kind: 'running' } | { kind: 'completed' } | { kind: 'starting' } | { kind: 'gone'; gone: WorkflowGone };

export interface LostPost {
  postId: string;
  fromStage: string;
  reason: string;
  /** Accounts the ledger shows the post published to before it was lost. */
  publishedTo: string[];
}

export interface ReconcileSummary {
  checked: number;
  running: number;
  lost: LostPost[];
  /** Open posts whose workflow is still being started (a placeholder younger than the grace period). */
  starting: number;
  /** Open posts that could not be checked this time (logged); the next pass tries again. */
  failed: number;
}

export type LiveState = { kind: 'live'; state: PostState } | { kind: 'lost'; post: PostRecord };

export interface PostReconcilerDeps {
  db: Knex;
  temporal: Client;
  logger: Logger;
  connectors?: ConnectorRegistry;
  /** Runs a Temporal call under a deadline (the API's `callTemporal`). */
  callTemporal?: <T>(call: () => Promise<T>, options?: { deadlineMs?: number }) => Promise<T>;
  clock?: () => Date;
}

/** The sandbox's ledger, and Bluesky's when the key that opens platform credentials is given. */
export function defaultConnectors(db: Knex, secretKey?: Buffer): ConnectorRegistry {
  return createConnectorRegistry([
    createSandboxConnector({ db }),
    ...(secretKey ? [createBlueskyConnector({ db, secretKey })] : []),
  ]);
}

export function createPostReconciler(deps: PostReconcilerDeps) {
  const posts = createPostStore(deps.db);
  const accounts = createAccountStore(deps.db);
  const recorder = createLostPostRecorder(deps.db);
  const connectors = deps.connectors ?? defaultConnectors(deps.db);
  const callTemporal = deps.callTemporal ?? (<T>(call: () => Promise<T>) => call());
  const now = deps.clock ?? (() => new Date());
  // Queries of a closed run are refused instead of replayed, so a terminated workflow never
  // answers with the stage it had when it was stopped.
  const openRunQueries = new WorkflowClient({
    connection: deps.temporal.connection,
    namespace: deps.temporal.options.namespace,
    dataConverter: deps.temporal.options.dataConverter,
    identity: deps.temporal.options.identity,
    queryRejectCondition: QueryRejectCondition.NOT_OPEN,
  });

  async function closeEvent(
    workflowId: string,
    runId: string,
  ): Promise<proto.api.history.v1.IHistoryEvent | undefined> {
    try {
      const response = await callTemporal(() =>
        deps.temporal.workflowService.getWorkflowExecutionHistory({
          namespace: deps.temporal.options.namespace,
          execution: { workflowId, runId },
          historyEventFilterType: proto.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
        }),
      );
      return response.history?.events?.at(-1) ?? undefined;
    } catch (error) {
      // The reason is a courtesy; the close status alone already says the post is lost.
      deps.logger.warn({ err: error, workflowId }, 'could not read the close event of a finished workflow');
      return undefined;
    }
  }

  /** Whether the post's workflow still runs; `gone` says how it ended when it does not. */
  async function inspect(post: Pick<OpenPostRef, 'workflowId' | 'lastSequence' | 'createdAt'>): Promise<RunCheck> {
    let description;
    try {
      description = await callTemporal(() => deps.temporal.workflow.getHandle(post.workflowId).describe());
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
      const placeholder = post.lastSequence === PLACEHOLDER_SEQUENCE;
      if (placeholder && now().getTime() - Date.parse(post.createdAt) < PLACEHOLDER_GRACE_MS) {
        return { kind: 'starting' };
      }
      return { kind: 'gone', gone: { kind: 'not_found', neverStarted: placeholder } };
    }
    switch (description.status.name) {
      case 'COMPLETED':
        return { kind: 'completed' };
      case 'TERMINATED': {
        const event = await closeEvent(post.workflowId, description.runId);
        const reason = event?.workflowExecutionTerminatedEventAttributes?.reason ?? undefined;
        return { kind: 'gone', gone: { kind: 'terminated', ...(reason ? { reason } : {}) } };
      }
      case 'FAILED': {
        const event = await closeEvent(post.workflowId, description.runId);
        const message = event?.workflowExecutionFailedEventAttributes?.failure?.message ?? undefined;
        return { kind: 'gone', gone: { kind: 'failed', ...(message ? { message } : {}) } };
      }
      case 'TIMED_OUT':
        return { kind: 'gone', gone: { kind: 'timed_out' } };
      case 'CANCELLED':
        return { kind: 'gone', gone: { kind: 'cancelled' } };
      default:
        return { kind: 'running' };
    }
  }

  /** What the platforms published for the post's current revision, by the connectors' ledgers. */
  async function ledger(post: PostRecord): Promise<LedgerPublication[]> {
    const { state } = post;
    if (state.revision === 0 || state.variants.length === 0) return [];
    const byId = new Map(
      (await accounts.findByIds(state.variants.map((variant) => variant.accountId))).map((a) => [a.id, a]),
    );
    const found: LedgerPublication[] = [];
    for (const variant of state.variants) {
      const account = byId.get(variant.accountId);
      if (!account || !connectors.names().includes(account.connector)) {
        deps.logger.warn(
          { postId: post.id, accountId: variant.accountId },
          'no connector to ask whether a lost post was published',
        );
        continue;
      }
      const publication = await connectors
        .get(account.connector)
        .findPublication(publicationKey({ postId: post.id, revision: state.revision, accountId: variant.accountId }), {
          accountId: variant.accountId,
          ...(variant.keyFixedAt !== undefined ? { keyFixedAt: variant.keyFixedAt } : {}),
        });
      if (publication) {
        found.push({
          accountId: variant.accountId,
          externalId: publication.externalId,
          url: publication.url,
          publishedAt: publication.publishedAt,
        });
      }
    }
    return found;
  }

  /** Closes the post as lost (once); answers the post as it now stands. */
  async function markLost(post: PostRecord, gone: WorkflowGone): Promise<PostRecord> {
    const result = await recorder.recordLost({
      postId: post.id,
      reason: lostReason(gone),
      publications: await ledger(post),
      at: now().toISOString(),
      evidence: { workflow: gone.kind },
    });
    if (!result) return post;
    if (result.recorded) {
      deps.logger.warn({ postId: post.id, reason: result.post.state.exitReason }, 'post lost its workflow');
    }
    return result.post;
  }

  /** Checks one open post's workflow and closes the post if it is gone; answers the post as it stands. */
  async function reconcile(post: PostRecord): Promise<PostRecord> {
    const check = await inspect(post);
    return check.kind === 'gone' ? markLost(post, check.gone) : post;
  }

  return {
    inspect,
    reconcile,

    /**
     * The workflow's live state, or the post closed as lost when its workflow is gone. Other
     * failures (Temporal unreachable, no worker answering) are thrown for the caller to judge.
     */
    async liveState(post: PostRecord, options: { deadlineMs?: number } = {}): Promise<LiveState> {
      try {
        const state = await callTemporal(() => openRunQueries.getHandle(post.workflowId).query(getPostState), options);
        return { kind: 'live', state };
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError || error instanceof QueryRejectedError)) throw error;
        const settled = await reconcile(post);
        if (settled.stage === 'lost') return { kind: 'lost', post: settled };
        throw error;
      }
    },

    /**
     * After a request to the workflow failed with `error`: when the workflow is gone, the post
     * closed as lost; otherwise undefined (the error stands).
     */
    async lostAfter(post: PostRecord, error: unknown): Promise<PostRecord | undefined> {
      if (!(error instanceof WorkflowNotFoundError)) return undefined;
      const settled = await reconcile(post);
      return settled.stage === 'lost' ? settled : undefined;
    },

    /** Checks every open post (of these brands), closing those whose workflow is gone. */
    async reconcileOpenPosts(input: { brandIds?: string[]; concurrency?: number } = {}): Promise<ReconcileSummary> {
      const summary: ReconcileSummary = { checked: 0, running: 0, lost: [], starting: 0, failed: 0 };
      let afterId: string | undefined;
      for (;;) {
        const page = await posts.listOpen({
          limit: PAGE_SIZE,
          ...(afterId !== undefined ? { afterId } : {}),
          ...(input.brandIds ? { brandIds: input.brandIds } : {}),
        });
        if (page.length === 0) break;
        afterId = page[page.length - 1].id;
        const checks = await mapBounded(page, input.concurrency ?? RECONCILE_CONCURRENCY, async (ref) => {
          try {
            return { ref, check: await inspect(ref) };
          } catch (error) {
            // Temporal being away ends the pass; one post Temporal cannot describe does not.
            if (isTemporalUnreachable(error)) throw error;
            deps.logger.warn({ err: error, postId: ref.id }, 'could not check the workflow of an open post');
            return { ref, check: undefined };
          }
        });
        for (const { ref, check } of checks) {
          if (!check) {
            summary.failed += 1;
            continue;
          }
          summary.checked += 1;
          if (check.kind === 'starting') summary.starting += 1;
          if (check.kind === 'running' || check.kind === 'completed') summary.running += 1;
          if (check.kind !== 'gone') continue;
          const post = await posts.findById(ref.id);
          if (!post) continue;
          const lost = await markLost(post, check.gone);
          if (lost.stage !== 'lost') continue;
          summary.lost.push({
            postId: lost.id,
            fromStage: post.stage,
            reason: lost.state.exitReason ?? lostReason(check.gone),
            publishedTo: lost.state.variants.filter((v) => v.status === 'published').map((v) => v.accountId),
          });
        }
        if (page.length < PAGE_SIZE) break;
      }
      return summary;
    },
  };
}

export type PostReconciler = ReturnType<typeof createPostReconciler>;

/** Attempts of the start-up pass while Temporal is not reachable yet, and the pause between them. */
const STARTUP_ATTEMPTS = 6;
const STARTUP_RETRY_MS = 10_000;
const STARTUP_CALL_DEADLINE_MS = 10_000;

/**
 * The pass a process makes when it starts: every open post whose workflow did not survive (an
 * offline Temporal server keeps none across a restart) is closed as lost, and, given the task
 * queue, every active or paused campaign whose workflow is gone gets a new one that carries on
 * from Postgres. It never throws: a Temporal still starting is retried for a minute, then left to
 * the next start or an admin.
 */
export async function reconcilePostsAtStartup(deps: {
  db: Knex;
  temporal: Client;
  logger: Logger;
  taskQueue?: string;
  /** Opens platform credentials, so that Bluesky's ledger is asked too. */
  secretKey?: Buffer;
}): Promise<void> {
  const callTemporal: CallTemporal = (call) =>
    deps.temporal.connection.withDeadline(Date.now() + STARTUP_CALL_DEADLINE_MS, call);
  const reconciler = createPostReconciler({
    ...deps,
    connectors: defaultConnectors(deps.db, deps.secretKey),
    callTemporal,
  });
  for (let attempt = 1; attempt <= STARTUP_ATTEMPTS; attempt += 1) {
    try {
      const summary = await reconciler.reconcileOpenPosts();
      deps.logger.info(
        { checked: summary.checked, lost: summary.lost.length, running: summary.running },
        'open posts reconciled with Temporal',
      );
      if (deps.taskQueue !== undefined) {
        const restarted = await restartGoneCampaigns({
          campaigns: createCampaignStore(deps.db),
          audit: createAuditLog(deps.db),
          temporal: { workflow: deps.temporal.workflow, call: callTemporal, taskQueue: deps.taskQueue },
        });
        if (restarted.length > 0)
          deps.logger.info({ campaigns: restarted }, 'campaign workflows started (Temporal had none for them)');
      }
      return;
    } catch (error) {
      const retry = isTemporalUnreachable(error) && attempt < STARTUP_ATTEMPTS;
      deps.logger.warn({ err: error, attempt, retry }, 'could not reconcile open posts with Temporal');
      if (!retry) return;
      await new Promise((resolve) => setTimeout(resolve, STARTUP_RETRY_MS).unref());
    }
  }
}

async function mapBounded<T, R>(items: T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await work(items[index]);
    }
  });
  await Promise.all(lanes);
  return results;
}
