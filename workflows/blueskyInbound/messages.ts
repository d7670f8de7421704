/** The Bluesky inbound poller's input, state and messages, shared by the API, the worker and the tests. */
import { defineQuery, defineSignal } from '@temporalio/workflow';

import { POLL_BLUESKY_NOW_SIGNAL } from '../../domain/ids';

export { BLUESKY_INBOUND_WORKFLOW_TYPE, blueskyInboundWorkflowId } from '../../domain/ids';

export interface BlueskyInboundState {
  accountId: string;
  /** Reads finished since the poller was first started, across its continued runs. */
  polls: number;
  /** Messages handed to conversations, and messages read again that were already recorded. */
  delivered: number;
  repeated: number;
  /** Reads in a row that brought nothing new, and that failed. */
  quietPolls: number;
  failedPolls: number;
  lastPolledAt: string | null;
  lastError: string | null;
  /** How long the poller waits before its next read. */
  nextPollInMs: number;
  /** Runs so far (continue-as-new starts the next). */
  runs: number;
  /** Why the poller stopped: the account needs an admin first. */
  stoppedBecause: string | null;
}

export interface BlueskyInboundInput {
  accountId: string;
  /** The state the previous run handed over when it continued as new. */
  carried?: BlueskyInboundState;
  /** Reads per run before it continues as new (tests make it small). */
  pollsPerRun?: number;
}

/** Read now instead of waiting for the timer: credentials were set, or someone asked. */
export const pollBlueskyNow = defineSignal(POLL_BLUESKY_NOW_SIGNAL);
export const getBlueskyInboundState = defineQuery<BlueskyInboundState>('getBlueskyInboundState');
