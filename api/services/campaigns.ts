/**
 * Campaigns: creating one with its plan (stored, then handed to its workflow `campaign:<id>`,
 * which creates the posts), posts joining it, actions on all its posts (updates on its workflow,
 * which carries them out in order), and what it shows (from Postgres: the plan's progress and
 * the posts' projection). An Idempotency-Key makes creating and joining safe to repeat.
 */
import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, WorkflowNotFoundError } from '@temporalio/common';
import type { AccountStore } from '../../db/accounts';
import type { AuditLog } from '../../db/audit';
import type { BrandStore } from '../../db/brands';
import type { CampaignRecord, CampaignStore } from '../../db/campaigns';
import type { UserStore } from '../../db/users';
import {
  campaignIsOpen,
  campaignReport,
  type CampaignActionKind,
  type CampaignReport,
  type CampaignStatus,
} from '../../domain/campaigns';
import { campaignEntity, campaignWorkflowId } from '../../domain/ids';
import { PublishTimeError, assertPublishable, toUtcInstant } from '../../domain/publishTime';
import type { PostStage } from '../../domain/types';
import {
  CAMPAIGN_WORKFLOW_TYPE,
  campaignAction,
  getCampaignState,
  planExtended,
  type CampaignActionRequest,
  type CampaignInput,
} from '../../workflows/campaign/messages';
import { brandKey, campaignKey } from '../../workflows/post/searchAttributes';
import { decodeListCursor, encodeListCursor } from '../listCursor';
import type { CreateCampaignBody, PlannedPostBody } from '../schemas';
import { actorOf, brandScope, coversBrand, type AuthenticatedUser } from './caller';
import { Refusal, RefusedError, conflict, invalidField, notFound } from './errors';
import { hashRequest } from './posts/creation';
import { resolvePublishAt } from './postInput';
import type { TemporalAccess } from './temporal';

export interface CampaignServiceDeps {
  campaigns: CampaignStore;
  brands: Pick<BrandStore, 'findById'>;
  accounts: Pick<AccountStore, 'findByIds'>;
  users: Pick<UserStore, 'findById'>;
  temporal: TemporalAccess;
}

/** A read does not wait long for the workflow's actions; the figures from Postgres answer alone. */
const LIVE_STATE_DEADLINE_MS = 3_000;
const PUBLISHED: readonly PostStage[] = ['published', 'tracking', 'completed'];
const FAILED: readonly PostStage[] = ['failed', 'lost'];

/** An id that the same parts always give, shaped like a UUID so it reads like every other id. */
function derivedId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** A planned post's id: from its campaign, the request that planned it and its place in that request. */
export function plannedPostId(input: { campaignId: string; batch: string; index: number }): string {
  return derivedId(input.campaignId, input.batch, String(input.index));
}

/**
 * Starts the campaign's workflow unless it runs or has run; `carried` restarts one whose workflow
 * is gone with what Postgres knows of it.
 */
async function startCampaignWorkflow(
  temporal: TemporalAccess,
  campaign: CampaignRecord,
  carried?: CampaignInput['carried'],
): Promise<void> {
  const input: CampaignInput = {
    campaignId: campaign.id,
    brandId: campaign.brandId,
    endsAt: campaign.endsAt ?? campaign.startsAt,
    planTotal: campaign.planTotal,
    ...(carried ? { carried } : {}),
  };
  try {
    await temporal.call(() =>
      temporal.workflow.start(CAMPAIGN_WORKFLOW_TYPE, {
        workflowId: campaignWorkflowId(campaign.id),
        taskQueue: temporal.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: carried ? WorkflowIdReusePolicy.ALLOW_DUPLICATE : WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [
          { key: campaignKey, value: campaign.id },
          { key: brandKey, value: campaign.brandId },
        ],
      }),
    );
  } catch (error) {
    // A campaign that has already ended keeps its closed workflow; there is nothing to start.
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/**
 * Campaigns still active or paused whose workflow Temporal no longer has (an offline server keeps
 * none across a restart) get a new one that carries on from Postgres: its status and pause, the
 * plan's progress (posts already created are not created again) and the audit trail's position.
 * Answers with the ids of the campaigns restarted.
 */
export async function restartGoneCampaigns({
  campaigns,
  audit,
  temporal,
}: {
  campaigns: CampaignStore;
  audit: Pick<AuditLog, 'lastSequence'>;
  temporal: TemporalAccess;
}): Promise<string[]> {
  const restarted: string[] = [];
  for (const status of ['active', 'paused'] as const) {
    let after: { createdAt: string; id: string } | undefined;
    for (;;) {
      const page = await campaigns.list({ status, limit: 100, ...(after ? { after } : {}) });
      for (const campaign of page) {
        try {
          await temporal.call(() => temporal.workflow.getHandle(campaignWorkflowId(campaign.id)).describe());
          continue;
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        }
        const plan = await campaigns.planProgress(campaign.id);
        await startCampaignWorkflow(temporal, campaign, {
          status: campaign.status,
          paused: campaign.paused,
          creation: { total: campaign.planTotal, nextPosition: 0, created: plan.created, failed: plan.failed },
          actions: [],
          auditSequence: await audit.lastSequence(campaignEntity(campaign.id)),
        });
        restarted.push(campaign.id);
      }
      const last = page.at(-1);
      if (!last || page.length < 100) break;
      after = { createdAt: last.createdAt, id: last.id };
    }
  }
  return restarted;
}

export function createCampaignService({ campaigns, brands, accounts, users, temporal }: CampaignServiceDeps) {
  async function visibleCampaign(user: AuthenticatedUser, campaignId: string): Promise<CampaignRecord> {
    const campaign = await campaigns.find(campaignId);
    if (!campaign || !coversBrand(user, campaign.brandId)) throw notFound('No such campaign');
    return campaign;
  }

  /** Reads an instant, a local date-time or a local date in the zone; refuses it naming the field. */
  function instantIn(value: string, timeZone: string, path: Array<string | number>): string {
    try {
      if (/(Z|[+-]\d{2}:?\d{2})$/i.test(value)) return toUtcInstant({ instant: value, timeZone });
      const local = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00` : value;
      return toUtcInstant({ localDateTime: local, timeZone });
    } catch (error) {
      if (error instanceof PublishTimeError) throw invalidField(path, error.message);
      throw error;
    }
  }

  /** Checks what a person can fix in planned posts before anything is stored: accounts and publish times. */
  async function checkPlan(
    brand: { id: string; timeZone: string },
    plan: PlannedPostBody[],
    path: string,
  ): Promise<void> {
    const accountIds = [
      ...new Set(
        plan.flatMap((item) => (item.draft ? item.draft.variants : (item.targets ?? [])).map((v) => v.accountId)),
      ),
    ];
    const found = new Map((await accounts.findByIds(accountIds)).map((account) => [account.id, account]));
    plan.forEach((item, index) => {
      const list = item.draft ? item.draft.variants : (item.targets ?? []);
      list.forEach((target, targetIndex) => {
        const account = found.get(target.accountId);
        if (!account || account.brandId !== brand.id) {
          throw invalidField(
            [path, index, ...(item.draft ? ['draft', 'variants'] : ['targets']), targetIndex, 'accountId'],
            `account ${target.accountId} is not one of brand ${brand.id}'s accounts`,
          );
        }
      });
      try {
        resolvePublishAt({ publishAt: item.publishAt, timeZone: item.timeZone ?? brand.timeZone });
      } catch (error) {
        if (error instanceof RefusedError) {
          const issue = (error.details?.issues as Array<{ path: string[]; message: string }> | undefined)?.[0];
          throw invalidField([path, index, issue?.path[0] ?? 'publishAt'], issue?.message ?? error.message);
        }
        throw error;
      }
    });
  }

  const startWorkflow = (campaign: CampaignRecord) => startCampaignWorkflow(temporal, campaign);

  async function detail(campaign: CampaignRecord) {
    const [plan, posts] = await Promise.all([
      campaigns.planProgress(campaign.id),
      campaigns.postProgress([campaign.id]),
    ]);
    return present(campaign, plan, posts.get(campaign.id) ?? { perStage: {}, nextDue: null });
  }

  async function act(
    user: AuthenticatedUser,
    campaignId: string,
    request: Omit<CampaignActionRequest, 'by'>,
  ): Promise<{ campaignId: string; action: unknown }> {
    const campaign = await visibleCampaign(user, campaignId);
    if (!campaignIsOpen(campaign.status)) {
      throw conflict(`campaign is ${campaign.status}; it takes no further actions`);
    }
    try {
      const action = await temporal.call(() =>
        temporal.workflow
          .getHandle(campaignWorkflowId(campaignId))
          .executeUpdate(campaignAction, { args: [{ ...request, by: actorOf(user) }] }),
      );
      return { campaignId, action };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw conflict('campaign has ended; it takes no further actions');
      throw error;
    }
  }

  return {
    async create({
      user,
      body,
      idempotencyKey,
    }: {
      user: AuthenticatedUser;
      body: CreateCampaignBody;
      idempotencyKey?: string;
    }) {
      const campaignId = idempotencyKey ? derivedId('campaign', user.id, idempotencyKey) : randomUUID();
      const requestHash = hashRequest(body);
      const earlier = idempotencyKey ? await campaigns.find(campaignId) : undefined;
      if (earlier) {
        if (earlier.requestHash !== requestHash) {
          throw new RefusedError(
            Refusal.IdempotencyKeyReused,
            `this Idempotency-Key was already used for a different request (campaign ${earlier.id}); ` +
              'send a new key for a new campaign',
            { campaignId: earlier.id },
          );
        }
        // The first request may have stored the campaign and failed to start its workflow.
        await startWorkflow(earlier);
        return detail(earlier);
      }

      if (!coversBrand(user, body.brandId))
        throw invalidField(['brandId'], `you do not work for brand ${body.brandId}`);
      const brand = await brands.findById(body.brandId);
      if (!brand) throw invalidField(['brandId'], `no brand ${body.brandId}`);
      const ownerId = body.ownerId ?? user.id;
      const owner = await users.findById(ownerId);
      if (!owner || (owner.brandId !== null && owner.brandId !== brand.id)) {
        throw invalidField(['ownerId'], `no user ${ownerId} works for brand ${brand.id}`);
      }
      const startsAt = instantIn(body.startsAt, brand.timeZone, ['startsAt']);
      const endsAt = instantIn(body.endsAt, brand.timeZone, ['endsAt']);
      if (Date.parse(endsAt) <= Date.parse(startsAt)) throw invalidField(['endsAt'], 'endsAt must be after startsAt');
      try {
        assertPublishable({ instant: endsAt, now: Date.now() });
      } catch (error) {
        if (error instanceof PublishTimeError)
          throw invalidField(['endsAt'], error.message.replace('publish time', 'end'));
        throw error;
      }
      await checkPlan(brand, body.plan, 'plan');

      const stored = await campaigns.createWithPlan({
        campaign: {
          id: campaignId,
          brandId: brand.id,
          name: body.name,
          ...(body.goal !== undefined ? { goal: body.goal } : {}),
          ownerId,
          createdBy: user.id,
          utmCampaign: body.utmCampaign ?? campaignId,
          startsAt,
          endsAt,
          requestHash,
        },
        items: body.plan.map((item, index) => ({
          postId: plannedPostId({ campaignId, batch: 'plan', index }),
          item,
        })),
      });
      const campaign = (await campaigns.find(campaignId))!;
      if (!stored) {
        // The same request, repeated at the same moment, stored it first.
        if (campaign.requestHash !== requestHash) throw conflict('a campaign with this id already exists');
      }
      try {
        await startWorkflow(campaign);
      } catch (error) {
        // Nothing was started: the campaign must not be listed as running. A repeat stores it again.
        if (stored) await campaigns.deleteUnstarted(campaignId);
        throw error;
      }
      return detail(campaign);
    },

    async addPosts({
      user,
      campaignId,
      posts,
      idempotencyKey,
    }: {
      user: AuthenticatedUser;
      campaignId: string;
      posts: PlannedPostBody[];
      idempotencyKey?: string;
    }) {
      const campaign = await visibleCampaign(user, campaignId);
      if (!campaignIsOpen(campaign.status)) throw conflict(`campaign is ${campaign.status}; it takes no new posts`);
      const brand = await brands.findById(campaign.brandId);
      if (!brand) throw notFound('No such campaign');
      await checkPlan(brand, posts, 'posts');
      const batch = idempotencyKey ? `key:${user.id}:${idempotencyKey}` : randomUUID();
      const appended = await campaigns.appendItems({
        campaignId,
        createdBy: user.id,
        items: posts.map((item, index) => ({ postId: plannedPostId({ campaignId, batch, index }), item })),
      });
      try {
        await temporal.call(() =>
          temporal.workflow
            .getHandle(campaignWorkflowId(campaignId))
            .signal(planExtended, { total: appended.planTotal }),
        );
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) throw conflict('campaign has ended; it takes no new posts');
        throw error;
      }
      return { campaignId, posts: appended.items };
    },

    /** The campaign with its progress, and its latest actions when its workflow answers in time. */
    async get(user: AuthenticatedUser, campaignId: string) {
      const campaign = await visibleCampaign(user, campaignId);
      const shown = await detail(campaign);
      try {
        const live = await temporal.call(
          () => temporal.workflow.getHandle(campaignWorkflowId(campaign.id)).query(getCampaignState),
          { deadlineMs: LIVE_STATE_DEADLINE_MS },
        );
        return { ...shown, source: 'workflow' as const, actions: live.actions };
      } catch (error) {
        // The figures above come from Postgres and stand alone; say why the actions are missing.
        const finished = campaign.status === 'ended' || campaign.status === 'cancelled';
        const staleReason = finished
          ? 'the campaign has ended'
          : error instanceof WorkflowNotFoundError
            ? "the campaign's workflow is gone: it takes no actions until it is started again (each start of the system does)"
            : 'Temporal did not answer';
        return { ...shown, source: 'database' as const, staleReason, actions: [] };
      }
    },

    async list(
      user: AuthenticatedUser,
      query: { brandId?: string; status?: CampaignStatus; limit: number; cursor?: string },
    ) {
      const scope = brandScope(user);
      const brandIds = query.brandId ? (scope && !scope.includes(query.brandId) ? [] : [query.brandId]) : scope;
      let after: { createdAt: string; id: string } | undefined;
      if (query.cursor !== undefined) {
        const position = decodeListCursor(query.cursor);
        if (!position)
          throw invalidField(['cursor'], 'not a cursor this API issued; pass nextCursor from the previous page');
        after = { createdAt: position.publishAt, id: position.id };
      }
      const rows =
        brandIds && brandIds.length === 0
          ? []
          : await campaigns.list({
              ...(brandIds ? { brandIds } : {}),
              ...(query.status ? { status: query.status } : {}),
              ...(after ? { after } : {}),
              limit: query.limit,
            });
      const ids = rows.map((row) => row.id);
      const [plans, posts] = await Promise.all([campaigns.planCounts(ids), campaigns.postProgress(ids)]);
      const last = rows.at(-1);
      return {
        items: rows.map((row) => {
          const counts = plans.get(row.id)!;
          const { plan: _plan, ...rest } = present(
            row,
            { total: counts.created + counts.failed + counts.pending, ...counts, failures: [] },
            posts.get(row.id)!,
          );
          return { ...rest, plan: { total: counts.created + counts.failed + counts.pending, ...counts } };
        }),
        nextCursor:
          last && rows.length === query.limit ? encodeListCursor({ publishAt: last.createdAt, id: last.id }) : null,
      };
    },

    pause: (user: AuthenticatedUser, campaignId: string, body: { reason?: string }) =>
      act(user, campaignId, { kind: 'pause', ...(body.reason !== undefined ? { reason: body.reason } : {}) }),
    resume: (user: AuthenticatedUser, campaignId: string, body: { passedPublishTime: 'publish' | 'hold_for_review' }) =>
      act(user, campaignId, { kind: 'resume', passedPublishTime: body.passedPublishTime }),
    cancel: (user: AuthenticatedUser, campaignId: string, body: { reason: string }) =>
      act(user, campaignId, { kind: 'cancel', reason: body.reason }),
    shift: (user: AuthenticatedUser, campaignId: string, body: { offset: string; reason?: string }) =>
      act(user, campaignId, {
        kind: 'shift',
        offset: body.offset,
        ...(body.reason !== undefined ? { reason: body.reason } : {}),
      }),

    /** The stored report once the campaign has ended; live figures before. */
    async report(user: AuthenticatedUser, campaignId: string): Promise<CampaignReport> {
      const campaign = await visibleCampaign(user, campaignId);
      if (campaign.report) return campaign.report as unknown as CampaignReport;
      const [posts, metrics] = await Promise.all([
        campaigns.postProgress([campaign.id]),
        campaigns.metricSums(campaign.id),
      ]);
      return campaignReport({ campaign, perStage: posts.get(campaign.id)?.perStage ?? {}, metrics, reportedAt: null });
    },
  };
}

export type { CampaignActionKind };
export type CampaignService = ReturnType<typeof createCampaignService>;

function present(
  campaign: CampaignRecord,
  plan: {
    total: number;
    created: number;
    failed: number;
    pending: number;
    failures: Array<{ position: number; postId: string; reason: string }>;
  },
  posts: { perStage: Partial<Record<PostStage, number>>; nextDue: string | null },
) {
  const count = (stages: readonly PostStage[]) => stages.reduce((sum, stage) => sum + (posts.perStage[stage] ?? 0), 0);
  return {
    id: campaign.id,
    workflowId: campaignWorkflowId(campaign.id),
    brandId: campaign.brandId,
    name: campaign.name,
    goal: campaign.goal,
    ownerId: campaign.ownerId,
    utmCampaign: campaign.utmCampaign,
    startsAt: campaign.startsAt,
    endsAt: campaign.endsAt,
    status: campaign.status,
    paused: campaign.paused,
    pausedReason: campaign.pausedReason,
    cancelReason: campaign.cancelReason,
    endedAt: campaign.endedAt,
    createdAt: campaign.createdAt,
    plan,
    posts: {
      perStage: posts.perStage,
      total: Object.values(posts.perStage).reduce((sum, n) => sum + (n ?? 0), 0),
      published: count(PUBLISHED),
      failed: count(FAILED),
      nextDue: posts.nextDue,
    },
  };
}
