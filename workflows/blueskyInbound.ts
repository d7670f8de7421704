/**
 * A Bluesky account's inbound poller, id `bluesky-inbound:<accountId>`: reads the account's
 * notifications (the cursor lives in Postgres), hands replies, mentions and quotes to their
 * conversations, and sleeps on a durable timer that grows while nothing arrives or reads fail.
 * It stops when the account needs re-authentication (setting credentials starts it again) and
 * continues as new every few hundred reads to keep its history bounded.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { BlueskyInboundActivities } from '../activities/blueskyInboundContract';
import {
  getBlueskyInboundState,
  pollBlueskyNow,
  type BlueskyInboundInput,
  type BlueskyInboundState,
} from './blueskyInbound/messages';
import { nextPollDelayMs } from './blueskyInbound/pollingDelay';

const DEFAULT_POLLS_PER_RUN = 500;

const { pollBlueskyInbound } = proxyActivities<BlueskyInboundActivities>({
  startToCloseTimeout: '2m',
  // A read that keeps failing is left to the poller's own backoff, not retried for ever here.
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 3 },
});

function initialState(accountId: string): BlueskyInboundState {
  return {
    accountId,
    polls: 0,
    delivered: 0,
    repeated: 0,
    quietPolls: 0,
    failedPolls: 0,
    lastPolledAt: null,
    lastError: null,
    nextPollInMs: 0,
    runs: 0,
    stoppedBecause: null,
  };
}

const reasonOf = (error: unknown): string => {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof ApplicationFailure || cause instanceof Error ? cause.message : String(cause);
};

export async function blueskyInbound(input: BlueskyInboundInput): Promise<BlueskyInboundState> {
  const state: BlueskyInboundState = { ...(input.carried ?? initialState(input.accountId)), stoppedBecause: null };
  state.runs += 1;
  let pollRequested = false;
  setHandler(pollBlueskyNow, () => {
    pollRequested = true;
  });
  setHandler(getBlueskyInboundState, () => state);
  const pollsPerRun = input.pollsPerRun ?? DEFAULT_POLLS_PER_RUN;

  for (let pollsThisRun = 0; ;) {
    pollRequested = false;
    pollsThisRun += 1;
    state.lastPolledAt = new Date(Date.now()).toISOString();
    try {
      const outcome = await pollBlueskyInbound({ accountId: state.accountId });
      state.polls += 1;
      if (outcome.status === 'stopped') {
        state.stoppedBecause = outcome.reason;
        return state;
      }
      state.delivered += outcome.delivered;
      state.repeated += outcome.duplicates;
      state.quietPolls = outcome.delivered > 0 ? 0 : state.quietPolls + 1;
      state.failedPolls = 0;
      state.lastError = null;
    } catch (error) {
      state.polls += 1;
      state.failedPolls += 1;
      state.lastError = reasonOf(error);
    }
    state.nextPollInMs = nextPollDelayMs(state);
    if (pollsThisRun >= pollsPerRun || workflowInfo().continueAsNewSuggested) {
      // The next run reads at once: a read asked for meanwhile is not lost.
      await condition(() => pollRequested, state.nextPollInMs);
      await continueAsNew<typeof blueskyInbound>({
        accountId: state.accountId,
        carried: state,
        ...(input.pollsPerRun !== undefined ? { pollsPerRun: input.pollsPerRun } : {}),
      });
    }
    await condition(() => pollRequested, state.nextPollInMs);
  }
}
