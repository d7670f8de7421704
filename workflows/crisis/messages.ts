/**
 * The crisis monitor's messages: one definition shared by the API, the conversation workflow's
 * activity, the monitor and the tests. A message is a signal (the conversation wants no answer);
 * declaring, confirming and ending are updates, validated before anything reaches history.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CrisisReading, CrisisWindow } from '../../domain/crisis';
import type { Actor } from '../../domain/types';

export { crisisWorkflowId } from '../../domain/ids';
export const CRISIS_WORKFLOW_TYPE = 'crisisMonitor';

export interface CrisisMonitorInput {
  brandId: string;
  /** The state a previous run handed over when it continued as new. */
  carried?: CrisisMonitorState;
  /** Changes one run handles before it continues as new (tests make it small). */
  changesPerRun?: number;
}

export interface CrisisMessageSignal {
  /** The platform's message id: the same message told twice is counted once. */
  messageId: string;
  threadId: string;
  at: string;
}

export interface DeclareCrisisRequest {
  by: Actor;
  reason: string;
}
export interface ConfirmCrisisRequest {
  by: Actor;
  reason?: string;
}
export interface EndCrisisRequest {
  by: Actor;
  reason: string;
}

/**
 * watching: counting messages. awaiting_confirmation: the threshold was crossed and the policy
 * wants a manager to confirm. in_crisis: declared; posts are held and replies wait for a lead.
 */
export type CrisisMonitorStatus = 'watching' | 'awaiting_confirmation' | 'in_crisis';

export interface CurrentCrisis {
  crisisId: string;
  status: 'awaiting_confirmation' | 'active';
  declaredHow: 'automatic' | 'confirmed' | 'manual' | null;
  detectedAt: string | null;
  detection: { reading: CrisisReading; reason: string } | null;
  declaredBy: string | null;
  declareReason: string | null;
  declaredAt: string | null;
  policyVersion: number;
}

export interface PostHoldProgress {
  held: boolean;
  status: 'signalling' | 'checking_late_posts' | 'done';
  postsFound: number;
  postsSignalled: number;
  postsNotReached: string[];
}

export interface CrisisMonitorState {
  brandId: string;
  status: CrisisMonitorStatus;
  crisis: CurrentCrisis | null;
  window: CrisisWindow;
  /** The last reading of the window. */
  lastReading: CrisisReading | null;
  /** The last alert or end of a crisis: the cooldown counts from it. */
  lastAlertAt: string | null;
  /** The most recent message ids counted (bounded): a message told again is not counted twice. */
  recentMessageIds: string[];
  /** Telling the brand's posts to hold or release, for the latest declaration or end. */
  posts: PostHoldProgress | null;
  /** Position of the last recorded transition. */
  sequence: number;
}

export interface CrisisUpdateResult {
  status: CrisisMonitorStatus;
  crisisId: string | null;
  sequence: number;
}

export const crisisMessage = defineSignal<[CrisisMessageSignal]>('crisisMessage');
export const declareCrisis = defineUpdate<CrisisUpdateResult, [DeclareCrisisRequest]>('declareCrisis');
export const confirmCrisis = defineUpdate<CrisisUpdateResult, [ConfirmCrisisRequest]>('confirmCrisis');
export const endCrisis = defineUpdate<CrisisUpdateResult, [EndCrisisRequest]>('endCrisis');
export const getCrisisState = defineQuery<CrisisMonitorState>('getCrisisState');
