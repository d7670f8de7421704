/** Campaigns on the post harness: a campaign stored with its plan, its workflow started, and waits on it. */
import type { WorkflowHandle } from '@temporalio/client';
import { createCampaignStore } from '../../db/campaigns';
import { toLocalDateTime } from '../../domain/publishTime';
import { campaignWorkflowId } from '../../domain/ids';
import { CAMPAIGN_WORKFLOW_TYPE, getCampaignState, type CampaignState } from '../../workflows/campaign/messages';
import { uniqueId } from '../helpers/db';
import { DAY_MS, serverNow, type PostFixture, type PostHarness } from './postHarness';

export interface PlannedPost {
  title: string;
  /** Milliseconds after the server's now. */
  publishInMs: number;
}

/** Stores the campaign with its plan (low-risk posts with a draft per account) and starts its workflow. */
export async function startCampaign(
  harness: PostHarness,
  fixture: PostFixture,
  {
    plan,
    endsInMs = 60 * DAY_MS,
    eventsPerRun,
    startWorkflow = true,
  }: { plan: PlannedPost[]; endsInMs?: number; eventsPerRun?: number; startWorkflow?: boolean },
): Promise<{ campaignId: string; handle: WorkflowHandle; postIds: string[] }> {
  const campaignId = uniqueId('campaign');
  const now = await serverNow(harness);
  const items = plan.map((planned, index) => ({
    postId: `${campaignId}-p${index}`,
    item: {
      title: planned.title,
      riskTier: 'low',
      flags: [],
      urgent: false,
      publishAt: toLocalDateTime({
        instant: new Date(now + planned.publishInMs).toISOString(),
        timeZone: fixture.brand.timeZone,
      }),
      draft: {
        variants: fixture.accounts.map((account) => ({
          accountId: account.id,
          text: `${planned.title} is here`,
          media: [],
        })),
      },
    },
  }));
  const endsAt = new Date(now + endsInMs).toISOString();
  await createCampaignStore(harness.db).createWithPlan({
    campaign: {
      id: campaignId,
      brandId: fixture.brand.id,
      name: 'Autumn launch',
      ownerId: fixture.team.manager.userId,
      createdBy: fixture.team.author.userId,
      utmCampaign: campaignId,
      startsAt: new Date(now).toISOString(),
      endsAt,
      requestHash: 'test',
    },
    items,
  });
  const postIds = items.map((item) => item.postId);
  if (!startWorkflow) {
    return { campaignId, handle: harness.env.client.workflow.getHandle(campaignWorkflowId(campaignId)), postIds };
  }
  const handle = await harness.env.client.workflow.start(CAMPAIGN_WORKFLOW_TYPE, {
    workflowId: campaignWorkflowId(campaignId),
    taskQueue: harness.taskQueue,
    args: [
      {
        campaignId,
        brandId: fixture.brand.id,
        endsAt,
        planTotal: items.length,
        ...(eventsPerRun ? { eventsPerRun } : {}),
      },
    ],
  });
  return { campaignId, handle, postIds };
}

export async function campaignWhen(
  handle: WorkflowHandle,
  ready: (state: CampaignState) => boolean,
  timeoutMs = 30_000,
): Promise<CampaignState> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const state = await handle.query(getCampaignState);
    if (ready(state)) return state;
    if (Date.now() > giveUpAt) throw new Error(`campaign did not get there in time: ${JSON.stringify(state)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
