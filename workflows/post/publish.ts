/**
 * The publish phase: the content is checked once more, then every variant is published by its own
 * activity, all at once. The idempotency key is the post, revision and account, so no retry — by
 * Temporal or by a person — can publish a variant twice. A failed variant does not hold the others.
 */
import { ActivityFailure, ApplicationFailure, patched, TimeoutFailure } from '@temporalio/workflow';
import { storableText } from '../../domain/text';
import type { PostStage } from '../../domain/types';
import type { VariantState } from '../messages';
import type { Queued } from './inbox';
import { checkQuality, publishVariant } from './activityProxies';
import { publicationKey } from '../../domain/publicationKey';
import { describeFailure, publishFailed, published as publishedNotification } from './notificationText';
import type { PostRun } from './state';
import { SYSTEM_ACTOR, type NotificationDraft, type PendingTransition } from './transitions';

/** Runs from before it pass no time with the publication key, and their variants keep none. */
export const PUBLICATION_KEY_TIME_PATCH = 'publication-key-time';

/** How long a post whose every variant failed still accepts a retry before it closes as failed. */
export const FAILED_POST_RETRY_WINDOW_MS = 3 * 24 * 60 * 60 * 1000;

/** A blocked post hands its transition back to review; a failed one hands over its closing. */
export type PublishOutcome =
  { kind: 'live' } | { kind: 'blocked'; handover: PendingTransition } | { kind: 'failed'; handover: PendingTransition };

/** `handover` is what started publishing (the publish time, or someone publishing now). */
export async function publishPost(run: PostRun, handover: PendingTransition): Promise<PublishOutcome> {
  const { state } = run;
  // From here on the post can no longer be cancelled or rescheduled, even while it is checked.
  run.enter({ stage: 'publishing' });
  const check = await checkQuality({
    postId: state.postId,
    brandId: state.brandId,
    ...(state.campaignId ? { campaignId: state.campaignId } : {}),
    revision: state.revision,
    sponsored: state.flags.includes('sponsored'),
    content: state.content ?? { variants: [] },
  });
  if (check.issues.length > 0) {
    // Brand rules may have changed since approval: the content goes back to its author and is
    // reviewed again, rather than failing a post that only needs an edit.
    state.qualityIssues = check.issues;
    return {
      kind: 'blocked',
      handover: {
        ...handover,
        action: 'quality_blocked',
        detail: { ...handover.detail, trigger: handover.action, issues: check.issues },
      },
    };
  }
  run.publishContent = check.content;

  let next = handover;
  for (;;) {
    run.enter({ stage: 'publishing' });
    await run.transition(next);
    await publishPendingVariants(run);
    if (state.variants.some((variant) => variant.status === 'published')) {
      run.enter({ stage: 'published' });
      await run.transition(publishedTransition(run, 'publishing'));
      return { kind: 'live' };
    }
    const failed = state.variants.filter((variant) => variant.status === 'failed');
    run.enter({ stage: 'failed' });
    state.exitReason = `every variant failed to publish: ${failed.map(describeFailure).join('; ')}`;
    await run.transition({
      action: 'publish_failed',
      actorId: SYSTEM_ACTOR,
      fromStage: 'publishing',
      detail: { failed },
      notifications: [publishFailed(state, failed)],
    });
    const retry = await awaitRetry(run);
    if (!retry) {
      return {
        kind: 'failed',
        handover: { action: 'retry_window_closed', actorId: SYSTEM_ACTOR, fromStage: 'failed' },
      };
    }
    delete state.exitReason;
    next = retry;
  }
}

/** Publishes every pending variant side by side and records how each one ended. */
export async function publishPendingVariants(run: PostRun): Promise<void> {
  const pending = run.state.variants.filter((variant) => variant.status === 'pending');
  // Variants published together are tracked together: their snapshots share timers.
  const roundStartedAt = Date.now();
  await Promise.all(pending.map((variant) => publishOne(run, variant, roundStartedAt)));
}

async function publishOne(run: PostRun, variant: VariantState, roundStartedAt: number): Promise<void> {
  const { state } = run;
  const content = run.publishContent?.variants.find((candidate) => candidate.accountId === variant.accountId);
  variant.status = 'publishing';
  variant.attempts += 1;
  delete variant.failureType;
  delete variant.failureReason;
  if (!content) {
    markFailed(variant, 'ContentMissing', `revision ${state.revision} has no content for account ${variant.accountId}`);
    return;
  }
  // Fixed at the first attempt and kept for every retry of this revision, so the record key stays the same.
  if (patched(PUBLICATION_KEY_TIME_PATCH)) variant.keyFixedAt ??= new Date().toISOString();
  const keyFixedAt = variant.keyFixedAt;
  try {
    const published = await publishVariant({
      postId: state.postId,
      revision: state.revision,
      accountId: variant.accountId,
      platform: variant.platform,
      text: content.text,
      media: content.media,
      ...(content.languages !== undefined ? { languages: content.languages } : {}),
      ...(content.quoteOf !== undefined ? { quoteOf: content.quoteOf } : {}),
      idempotencyKey: publicationKey({ postId: state.postId, revision: state.revision, accountId: variant.accountId }),
      ...(keyFixedAt !== undefined ? { keyFixedAt } : {}),
    });
    variant.status = 'published';
    variant.externalId = published.externalId;
    variant.url = published.url;
    variant.publishedAt = published.publishedAt;
    run.liveAt[variant.accountId] = roundStartedAt;
  } catch (error) {
    const { type, reason } = failureOf(error);
    // The reason is recorded with the post; a platform's message is never a reason to stop it.
    markFailed(variant, storableText(type), storableText(reason));
  }
}

function markFailed(variant: VariantState, type: string, reason: string): void {
  variant.status = 'failed';
  variant.failureType = type;
  variant.failureReason = reason;
}

function failureOf(error: unknown): { type: string; reason: string } {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'Error', reason: cause.message };
  if (cause instanceof TimeoutFailure)
    return { type: 'Timeout', reason: `the platform did not answer in time (${cause.timeoutType})` };
  if (cause instanceof Error) return { type: cause.name, reason: cause.message };
  return { type: 'Error', reason: String(cause) };
}

/** Waits for someone to retry the failed variants; undefined once the retry window has passed. */
async function awaitRetry(run: PostRun): Promise<PendingTransition | undefined> {
  await run.waitFor(() => run.inbox.has('retry'), FAILED_POST_RETRY_WINDOW_MS);
  const request = run.inbox.take('retry');
  if (!request) return undefined;
  return retryTransition(request, 'failed');
}

/** The transition that records a retry of the failed variants taken from the inbox. */
export function retryTransition(request: Queued<'retry'>, fromStage: PostStage): PendingTransition {
  return {
    action: 'retry_failed_variants',
    actorId: request.by,
    fromStage,
    detail: { accountIds: request.accountIds },
    tickets: [request.ticket],
  };
}

/** The transition after a round of publishing: who is live, who failed and why. */
export function publishedTransition(
  run: PostRun,
  fromStage: 'publishing' | 'tracking' | 'published',
): PendingTransition {
  const live = run.state.variants.filter((variant) => variant.status === 'published');
  const failed = run.state.variants.filter((variant) => variant.status === 'failed');
  const notifications: NotificationDraft[] = [publishedNotification(run.state, live)];
  if (failed.length > 0) notifications.push(publishFailed(run.state, failed));
  return {
    action: 'published',
    actorId: SYSTEM_ACTOR,
    fromStage,
    detail: { published: live.map((variant) => variant.accountId), failed },
    notifications,
  };
}
