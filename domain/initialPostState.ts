/**
 * The state a post begins with, built from its workflow input alone. The workflow starts from it;
 * the API writes it as the placeholder projection that lists show until the workflow's own first
 * projection replaces it.
 */
import type { PostHold, PostState } from './postState';
import { deriveReviewPlan } from './reviewPolicy';
import type { PostLifecycleInput, PostStage } from './types';

/**
 * `started`: as the workflow holds the post before its first step, no stage open yet.
 * `created`: as that first step is expected to leave it, a supplied draft having completed
 * drafting; the workflow may still send a draft that fails its checks back to drafting.
 */
export type InitialView = 'started' | 'created';

/** Throws the review policy's error for input it cannot plan, and a RangeError for a bad `publishAt`. */
export function initialPostState({
  input,
  now,
  view = 'started',
}: {
  input: PostLifecycleInput;
  now: string;
  view?: InitialView;
}): PostState {
  const plan = deriveReviewPlan({ riskTier: input.riskTier, flags: input.flags, urgent: input.urgent });
  const created = view === 'created';
  const draft = created ? input.draft : undefined;
  // A supplied draft completes drafting, so the post waits on the first stage after it.
  const waitingStages = plan.stages.filter((spec) => !(draft && spec.stage === 'drafting'));
  const firstGroup = waitingStages[0]?.parallelGroup;
  const openStages = created
    ? waitingStages.filter((spec) => spec.parallelGroup === firstGroup).map((spec) => spec.stage)
    : [];
  const stage: PostStage = created ? (openStages[0] ?? 'scheduled') : (plan.stages[0]?.stage ?? 'drafting');
  const targets = draft?.variants ?? input.targets ?? [];
  const holds = startingHolds(input, now);
  return {
    postId: input.postId,
    brandId: input.brandId,
    ...(input.campaignId ? { campaignId: input.campaignId } : {}),
    authorId: input.authorId,
    title: input.title,
    riskTier: input.riskTier,
    flags: [...input.flags],
    urgent: input.urgent,
    stage,
    openStages,
    plan,
    revision: draft ? 1 : 0,
    ...(draft ? { content: draft } : {}),
    decisions: [],
    deadlines: [],
    qualityIssues: [],
    publishAt: new Date(Date.parse(input.publishAt)).toISOString(),
    timeZone: input.timeZone,
    paused: holds.length > 0,
    holds,
    variants: targets.map(({ accountId, platform }) => ({
      accountId,
      platform,
      status: 'pending' as const,
      attempts: 0,
    })),
    snapshots: [],
    updatedAt: now,
  };
}

/** Throws a RangeError for a hold no one could release: an unknown source or no one behind it. */
function startingHolds(input: PostLifecycleInput, now: string): PostHold[] {
  const holds: PostHold[] = [];
  for (const hold of input.holds ?? []) {
    if (hold?.source !== 'campaign' && hold?.source !== 'crisis') {
      throw new RangeError(`a post starts held only by its campaign or a crisis, not by "${String(hold?.source)}"`);
    }
    if (typeof hold.by !== 'string' || hold.by === '') throw new RangeError('a starting hold needs who placed it');
    if (holds.some((held) => held.source === hold.source)) continue;
    holds.push({
      source: hold.source,
      by: hold.by,
      ...(typeof hold.reason === 'string' && hold.reason !== '' ? { reason: hold.reason } : {}),
      since: now,
    });
  }
  return holds;
}
