/**
 * A campaign, one workflow per campaign (`campaign:<id>`). It creates the planned posts in
 * batches, carries out actions on all its posts at once (pause, resume, cancel, shift) one after
 * the other in the order they arrived, and when the campaign ends (its end date, or a cancel)
 * stores the report and sends it through the webhook.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { CAMPAIGN_ACTIONS, ShiftError, parseShift } from '../domain/campaigns';
import { TEXT } from '../domain/limits';
import { textProblem } from '../domain/text';
import {
  campaignAction,
  getCampaignState,
  planExtended,
  type CampaignActionRecord,
  type CampaignActionRequest,
  type CampaignInput,
  type CampaignState,
} from './campaign/messages';
import { createCampaignPosts, finishCampaign, recordCampaignAction } from './campaign/activityProxies';
import { reachPosts } from './campaign/reachPosts';

/** Planned posts created per activity call. */
export const CREATION_BATCH = 25;
/** An action is answered once carried out, or after this long with its progress so far. */
export const ANSWER_WITHIN_MS = 8_000;
/** Actions that may wait behind the running one; more are refused until the queue drains. */
export const MAX_WAITING_ACTIONS = 20;
/** History events after which a run continues as new, well before Temporal's limits. */
export const EVENTS_PER_RUN = 10_000;
/** Finished actions kept in the state. */
export const FINISHED_KEPT = 20;

export async function campaign(input: CampaignInput): Promise<void> {
  const state: CampaignState = {
    campaignId: input.campaignId,
    brandId: input.brandId,
    endsAt: input.endsAt,
    status: input.carried?.status ?? 'active',
    paused: input.carried?.paused ?? false,
    creation: input.carried?.creation ?? { total: input.planTotal ?? 0, nextPosition: 0, created: 0, failed: 0 },
    actions: input.carried?.actions ?? [],
    auditSequence: input.carried?.auditSequence ?? 0,
  };
  const waiting = () => state.actions.filter((action) => action.status === 'queued');
  const creationPending = () => state.status !== 'cancelled' && state.creation.nextPosition < state.creation.total;
  const endsAtMs = Date.parse(input.endsAt);

  setHandler(getCampaignState, () => state);
  setHandler(planExtended, ({ total }) => {
    if (Number.isInteger(total)) state.creation.total = Math.max(state.creation.total, total);
  });
  setHandler(
    campaignAction,
    async (request: CampaignActionRequest) => {
      const record: CampaignActionRecord = {
        actionId: uuid4(),
        kind: request.kind,
        by: request.by.userId,
        ...(request.reason !== undefined ? { reason: request.reason } : {}),
        ...(request.offset !== undefined ? { offset: request.offset } : {}),
        ...(request.passedPublishTime !== undefined ? { passedPublishTime: request.passedPublishTime } : {}),
        status: 'queued',
        requestedAt: new Date().toISOString(),
        postsReached: 0,
        postsNotReached: [],
        postsNotReachedCount: 0,
      };
      state.actions.push(record);
      pendingRequests.set(record.actionId, request);
      await condition(() => record.status === 'done' || record.status === 'failed', ANSWER_WITHIN_MS);
      return { ...record, postsNotReached: [...record.postsNotReached] };
    },
    { validator: (request: CampaignActionRequest) => validateAction(state, request, waiting().length) },
  );
  const pendingRequests = new Map<string, CampaignActionRequest>();

  for (;;) {
    const next = waiting()[0];
    if (next) {
      await carryOut(state, next, pendingRequests.get(next.actionId));
      pendingRequests.delete(next.actionId);
      forgetOldActions(state);
      if (state.status === 'cancelled') break;
      continue;
    }
    if (creationPending()) {
      await createBatch(state);
      continue;
    }
    if (Date.now() >= endsAtMs) break;
    if (
      workflowInfo().continueAsNewSuggested ||
      workflowInfo().historyLength > (input.eventsPerRun ?? EVENTS_PER_RUN)
    ) {
      await condition(allHandlersFinished);
      if (waiting().length === 0) {
        const { status, paused, creation, actions, auditSequence } = state;
        await continueAsNew<typeof campaign>({
          campaignId: input.campaignId,
          brandId: input.brandId,
          endsAt: input.endsAt,
          ...(input.eventsPerRun !== undefined ? { eventsPerRun: input.eventsPerRun } : {}),
          carried: { status: status === 'ending' ? 'active' : status, paused, creation, actions, auditSequence },
        });
      }
    }
    await condition(() => waiting().length > 0 || creationPending(), Math.max(1, endsAtMs - Date.now()));
  }

  const cancelled = state.status === 'cancelled';
  for (const left of waiting()) {
    left.status = 'failed';
    left.error = 'the campaign was cancelled before this action';
    left.finishedAt = new Date().toISOString();
  }
  state.status = 'ending';
  state.auditSequence += 1;
  await recordCampaignAction({
    campaignId: state.campaignId,
    sequence: state.auditSequence,
    action: cancelled ? 'campaign_cancelled_report' : 'campaign_ended',
    actorId: 'system',
    at: new Date().toISOString(),
    detail: { created: state.creation.created, failed: state.creation.failed },
  });
  await finishCampaign({
    campaignId: state.campaignId,
    status: cancelled ? 'cancelled' : 'ended',
    endedAt: new Date().toISOString(),
    reason: cancelled ? 'the campaign was cancelled before this post was created' : 'the campaign ended first',
  });
  state.status = cancelled ? 'cancelled' : 'ended';
  await condition(allHandlersFinished);
}

async function createBatch(state: CampaignState): Promise<void> {
  const result = await createCampaignPosts({
    campaignId: state.campaignId,
    fromPosition: state.creation.nextPosition,
    limit: CREATION_BATCH,
    ...(state.paused ? { held: heldBy(state) } : {}),
  });
  state.creation = {
    total: Math.max(result.total, state.creation.total),
    nextPosition: result.nextPosition,
    created: result.created,
    failed: result.failed,
  };
}

function heldBy(state: CampaignState): { by: string; reason?: string } {
  const pause = [...state.actions].reverse().find((action) => action.kind === 'pause' && action.status !== 'failed');
  return { by: pause?.by ?? 'system', ...(pause?.reason !== undefined ? { reason: pause.reason } : {}) };
}

async function carryOut(
  state: CampaignState,
  record: CampaignActionRecord,
  request: CampaignActionRequest | undefined,
): Promise<void> {
  record.status = 'running';
  const by = request?.by ?? { userId: record.by, roles: [] };
  if (record.kind === 'pause') state.paused = true;
  if (record.kind === 'resume') state.paused = false;
  if (record.kind === 'cancel') {
    state.status = 'cancelled';
    state.paused = false;
  } else {
    state.status = state.paused ? 'paused' : 'active';
  }
  state.auditSequence += 1;
  await recordCampaignAction({
    campaignId: state.campaignId,
    sequence: state.auditSequence,
    action: `campaign_${record.kind}`,
    actorId: record.by,
    at: new Date().toISOString(),
    detail: {
      ...(record.reason !== undefined ? { reason: record.reason } : {}),
      ...(record.offset !== undefined ? { offset: record.offset } : {}),
    },
    ...(record.kind === 'shift'
      ? {}
      : {
          status: {
            status: state.status === 'cancelled' ? 'cancelled' : state.paused ? 'paused' : 'active',
            paused: state.paused,
            ...(record.kind === 'pause' && record.reason !== undefined ? { pausedReason: record.reason } : {}),
            ...(record.kind === 'cancel' && record.reason !== undefined ? { cancelReason: record.reason } : {}),
          },
        }),
  });
  await reachPosts({
    campaignId: state.campaignId,
    action: {
      kind: record.kind,
      actionId: record.actionId,
      by,
      ...(record.reason !== undefined ? { reason: record.reason } : {}),
      ...(record.offset !== undefined ? { offset: record.offset } : {}),
      ...(record.passedPublishTime !== undefined ? { passedPublishTime: record.passedPublishTime } : {}),
    },
    record,
  });
  record.status = 'done';
  record.finishedAt = new Date().toISOString();
}

function validateAction(state: CampaignState, request: CampaignActionRequest, waiting: number): void {
  if (!request || !(CAMPAIGN_ACTIONS as readonly string[]).includes(request.kind)) {
    throw invalid(`kind must be one of ${CAMPAIGN_ACTIONS.join(', ')}`);
  }
  if (typeof request.by?.userId !== 'string' || request.by.userId === '' || !Array.isArray(request.by.roles)) {
    throw invalid('the request must say who is asking');
  }
  if (request.reason !== undefined) {
    const problem = typeof request.reason === 'string' ? textProblem(request.reason, TEXT.cancelReason) : undefined;
    if (typeof request.reason !== 'string' || problem) throw invalid(`reason: ${problem?.message ?? 'must be text'}`);
  }
  if (request.kind === 'cancel' && request.reason === undefined) throw invalid('say why: a cancel needs a reason');
  if (
    request.passedPublishTime !== undefined &&
    (request.kind !== 'resume' || !['publish', 'hold_for_review'].includes(request.passedPublishTime))
  ) {
    throw invalid('passedPublishTime is publish or hold_for_review, and only for a resume');
  }
  if (request.kind === 'shift') {
    try {
      parseShift(typeof request.offset === 'string' ? request.offset : '');
    } catch (error) {
      throw invalid(error instanceof ShiftError ? `offset: ${error.message}` : 'offset must be an ISO-8601 duration');
    }
  }
  if (state.status === 'cancelled' || state.status === 'ended' || state.status === 'ending') {
    throw conflictWith(
      `campaign is ${state.status === 'ending' ? 'ending' : state.status}; it takes no further actions`,
    );
  }
  if (state.actions.some((action) => action.kind === 'cancel' && action.status === 'queued')) {
    throw conflictWith('campaign is being cancelled; it takes no further actions');
  }
  if (waiting >= MAX_WAITING_ACTIONS) {
    throw conflictWith(`${waiting} actions are already waiting for this campaign; try again once they are done`);
  }
}

function invalid(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'InvalidInput', message, nonRetryable: true });
}

function conflictWith(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'InvalidTransition', message, nonRetryable: true });
}

function forgetOldActions(state: CampaignState): void {
  const finished = state.actions.filter((action) => action.status === 'done' || action.status === 'failed');
  const forget = new Set(finished.slice(0, Math.max(0, finished.length - FINISHED_KEPT)));
  if (forget.size > 0) state.actions = state.actions.filter((action) => !forget.has(action));
}
