/**
 * The post's messages. Each handler's request is checked by its validator (validation.ts) before
 * anything reaches history, then submitted to the run's inbox; the caller is answered once the
 * transition recording it is.
 */
import { condition, patched, setHandler } from '@temporalio/workflow';
import { storableValue } from '../../domain/storable';
import {
  brandPause,
  cancel,
  getPostState,
  holdPublishing,
  publishNow,
  reschedule,
  retryFailedVariants,
  review,
  submitRevision,
  type ActorRequest,
  type BrandPauseSignal,
  type CancelRequest,
  type HoldPublishingSignal,
  type PublishNowRequest,
  type RescheduleRequest,
  type ReviewRequest,
  type SubmitRevisionRequest,
} from '../messages';
import { qualityCheckFailed } from './errors';
import { holdBy, holdsAgainstPublishNow } from './holds';
import type { HoldRequest } from './inbox';
import { REVISIONS_BY_AUTHOR_ONLY } from './patches';
import { applyRevision } from './revisions';
import type { PostRun } from './state';
import {
  validateCancel,
  validatePublishNow,
  validateReschedule,
  validateRetry,
  validateReview,
  validateRevision,
} from './validation';

export function registerPostHandlers(run: PostRun): void {
  const { state } = run;

  setHandler(getPostState, () => state);

  setHandler(
    submitRevision,
    async (request: SubmitRevisionRequest) => {
      if (run.settingUp) {
        await condition(() => !run.settingUp);
        // This check runs again on replay, so a run that took a colleague's revision before the
        // rule changed must take it again. The validator itself never replays and needs no guard.
        validateRevision(run, request, patched(REVISIONS_BY_AUTHOR_ONLY) ? 'author_only' : 'any_author');
      }
      run.revisionBeingChecked = true;
      try {
        // The checks are part of accepting a revision; one that fails them is still recorded.
        const { revision, issues } = await applyRevision(run, {
          content: request.content,
          submittedBy: request.by.userId,
        });
        if (issues.length > 0) {
          await run.submit({ kind: 'revision_blocked', by: request.by.userId, revision, issues });
          throw qualityCheckFailed({ revision, issues });
        }
        const { note } = request.content;
        await run.submit({ kind: 'revision', by: request.by.userId, revision, ...(note ? { note } : {}) });
        return { revision };
      } finally {
        run.revisionBeingChecked = false;
      }
    },
    { validator: (request: SubmitRevisionRequest) => validateRevision(run, request) },
  );

  setHandler(
    review,
    async (request: ReviewRequest) => {
      if (run.settingUp) {
        await condition(() => !run.settingUp);
        validateReview(run, request);
      }
      await run.submit({
        kind: 'decision',
        by: request.by.userId,
        stage: request.stage,
        revision: request.revision,
        decision: request.decision,
        ...(request.comment ? { comment: request.comment } : {}),
      });
      return { stage: state.stage, revision: state.revision };
    },
    { validator: (request: ReviewRequest) => validateReview(run, request) },
  );

  setHandler(
    reschedule,
    async (request: RescheduleRequest) => {
      const { publishAt, timeZone } = request;
      await run.submit({ kind: 'reschedule', by: request.by.userId, publishAt, ...(timeZone ? { timeZone } : {}) });
      return { publishAt: state.publishAt };
    },
    {
      validator: (request: RescheduleRequest) => validateReschedule(run, request),
    },
  );

  setHandler(
    cancel,
    async (request: CancelRequest) => {
      await run.submit({ kind: 'cancel', by: request.by.userId, reason: request.reason });
      return { stage: state.stage };
    },
    {
      validator: (request: CancelRequest) => validateCancel(run, request),
    },
  );

  setHandler(
    publishNow,
    async (request: PublishNowRequest) => {
      const overrideHolds = request.overrideHolds === true;
      // A hold arriving meanwhile defers publishing; the caller learns the post is still scheduled.
      await run.submit(
        { kind: 'publish_now', by: request.by.userId, ...(overrideHolds ? { overrideHolds } : {}) },
        () => holdsAgainstPublishNow(state, overrideHolds).length > 0,
      );
      return { stage: state.stage };
    },
    {
      validator: (request: PublishNowRequest) => validatePublishNow(run, request),
    },
  );

  setHandler(
    retryFailedVariants,
    async (request: ActorRequest) => {
      const failed = state.variants.filter((variant) => variant.status === 'failed');
      const accountIds = failed.map((variant) => variant.accountId);
      await run.submit({ kind: 'retry', by: request.by.userId, accountIds });
      return { retried: failed.length };
    },
    {
      validator: (request: ActorRequest) => validateRetry(run, request),
    },
  );

  // A signal has no validator and nobody to answer: what it carries is made storable, never refused.
  setHandler(brandPause, async (signal: BrandPauseSignal) => {
    const paused = holdBy(state, 'brand') !== undefined;
    if (typeof signal?.paused !== 'boolean' || run.finished || signal.paused === paused) return;
    await submitSignalled(run, { kind: 'brand_pause', paused: signal.paused, ...signalledActor(signal) });
  });

  setHandler(holdPublishing, async (signal: HoldPublishingSignal) => {
    if (typeof signal?.held !== 'boolean' || run.finished) return;
    if (signal.source !== 'campaign' && signal.source !== 'crisis') return;
    if (signal.held === (holdBy(state, signal.source) !== undefined)) return;
    const request: HoldRequest = { kind: 'hold', source: signal.source, held: signal.held, ...signalledActor(signal) };
    if (signal.passedPublishTime === 'hold_for_review' || signal.passedPublishTime === 'publish') {
      request.passedPublishTime = signal.passedPublishTime;
    }
    await submitSignalled(run, request);
  });
}

/** Who sent a signal and why, made storable: a signal has nobody to refuse. */
function signalledActor(signal: { by?: unknown; reason?: unknown }): { by?: string; reason?: string } {
  const by = typeof signal.by === 'string' && signal.by !== '' ? storableValue(signal.by) : undefined;
  const reason = typeof signal.reason === 'string' ? storableValue({ reason: signal.reason }).reason : undefined;
  return { ...(by !== undefined ? { by } : {}), ...(reason ? { reason } : {}) };
}

async function submitSignalled(run: PostRun, request: Parameters<PostRun['submit']>[0]): Promise<void> {
  try {
    await run.submit(request);
  } catch (error) {
    // The post's own process ends it as failed; a signal handler failing would fail the run.
    if (!run.unrecordable) throw error;
  }
}
