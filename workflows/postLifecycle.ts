/**
 * A post's life, from idea to measured performance: review by the stages its risk demands,
 * a durable wait for its publish time, one publication per variant, metric snapshots, a summary.
 * The workflow id is `post:<postId>`; the query `getPostState` returns the state as it stands.
 * Each phase hands the transition that ended it to the next, which records it as it opens.
 */
import type { PostLifecycleInput } from '../domain/types';
import type { PostState } from './messages';
import { registerPostHandlers } from './post/handlers';
import { publishPost } from './post/publish';
import { reviewPost } from './post/review';
import { applyRevision } from './post/revisions';
import { schedulePost } from './post/schedule';
import { PostRun } from './post/state';
import { trackPerformance } from './post/track';
import type { PendingTransition } from './post/transitions';

export async function postLifecycle(input: PostLifecycleInput): Promise<PostState> {
  const run = new PostRun(input);
  registerPostHandlers(run);
  try {
    return await livePost(run);
  } catch (error) {
    // A transition that can never be recorded fails the post with the reason, not the run.
    if (run.unrecordable) return run.failUnrecordable();
    throw error;
  }
}

async function livePost(run: PostRun): Promise<PostState> {
  let handover = await createPost(run);
  for (;;) {
    const reviewed = await reviewPost(run, handover);
    if (reviewed.kind === 'cancelled') return cancelPost(run);
    if (reviewed.kind === 'rejected') return run.finish('rejected', reviewed.handover, run.state.exitReason);

    const scheduled = await schedulePost(run, reviewed.handover);
    if (scheduled.kind === 'cancelled') return cancelPost(run);

    const published = await publishPost(run, scheduled.handover);
    if (published.kind === 'failed') return run.finish('failed', published.handover, run.state.exitReason);
    if (published.kind === 'live') break;
    handover = published.handover;
  }
  return run.finish('completed', await trackPerformance(run));
}

/** The post's first transition; a draft given at creation is checked and becomes revision 1. */
async function createPost(run: PostRun): Promise<PendingTransition> {
  const { input } = run;
  const detail: Record<string, unknown> = { publishAt: run.state.publishAt, plan: run.state.plan };
  if (input.draft) {
    const { revision, issues } = await applyRevision(run, { content: input.draft, submittedBy: input.authorId });
    Object.assign(detail, { revision, issues });
  }
  return { action: 'created', actorId: input.authorId, fromStage: null, detail };
}

function cancelPost(run: PostRun): Promise<PostState> {
  const request = run.inbox.take('cancel')!;
  return run.finish(
    'cancelled',
    {
      action: 'cancelled',
      actorId: request.by,
      fromStage: run.state.stage,
      detail: { reason: request.reason },
      tickets: [request.ticket],
    },
    `cancelled by ${request.by}: ${request.reason}`,
  );
}
