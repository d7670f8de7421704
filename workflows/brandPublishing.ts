/**
 * A brand's publishing pause, one workflow per brand (`brand:<brandId>`). Pause and resume
 * requests arrive as updates and are carried out one after the other, in the order they arrived,
 * so that the last request is the state every post ends in. Each one records the brand's flag in
 * Postgres (which posts created from then on read), tells every post not yet published, and then
 * tells the posts whose creation had read the flag just before it changed.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  setHandler,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { BRAND_NOT_FOUND } from '../domain/failureTypes';
import {
  getBrandPublishing,
  setPublishing,
  type BrandOperation,
  type BrandPublishingInput,
  type BrandPublishingState,
  type SetPublishingRequest,
} from './brand/messages';
import { recordBrandPublishing } from './brand/activityProxies';
import { tellPosts, type Reach } from './brand/tellPosts';

/**
 * How long after the flag changes a post may still be created with the old value: its creation
 * reads the flag, then takes up to the API's Temporal deadline (10 s) to start its workflow.
 */
export const LATE_POSTS_WINDOW_MS = 30_000;
/** A pause or resume is answered once every post has been told, or after this long with its progress. */
export const ANSWER_WITHIN_MS = 5_000;
/** Requests that may wait behind the running one; more are refused until the queue drains. */
export const MAX_WAITING_REQUESTS = 20;
/** Finished requests kept for the query. */
export const FINISHED_KEPT = 20;
const MAX_REASON_LENGTH = 2000;

export async function brandPublishing(input: BrandPublishingInput): Promise<void> {
  const state: BrandPublishingState = {
    brandId: input.brandId,
    paused: input.carried?.paused ?? null,
    pausedReason: input.carried?.pausedReason ?? null,
    operations: input.carried?.operations ?? [],
  };
  const waiting = (): BrandOperation[] => state.operations.filter((operation) => operation.status === 'queued');

  setHandler(getBrandPublishing, () => state);
  setHandler(
    setPublishing,
    async (request: SetPublishingRequest) => {
      const operation: BrandOperation = {
        operationId: uuid4(),
        paused: request.paused,
        by: request.by,
        ...(request.reason !== undefined ? { reason: request.reason } : {}),
        status: 'queued',
        requestedAt: new Date().toISOString(),
        postsFound: 0,
        postsSignalled: 0,
        postsNotReached: [],
      };
      state.operations.push(operation);
      await condition(() => everyPostTold(operation), ANSWER_WITHIN_MS);
      return { ...operation, postsNotReached: [...operation.postsNotReached] };
    },
    { validator: (request: SetPublishingRequest) => validateRequest(request, waiting().length) },
  );

  for (;;) {
    await condition(() => waiting().length > 0);
    const operation = waiting()[0];
    await carryOut(state, operation, () => waiting().length > 0);
    forgetOldOperations(state);
    if (waiting().length === 0 && workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (waiting().length === 0) {
        const { paused, pausedReason, operations } = state;
        await continueAsNew<typeof brandPublishing>({
          brandId: input.brandId,
          carried: { paused, pausedReason, operations },
        });
      }
    }
  }
}

async function carryOut(
  state: BrandPublishingState,
  operation: BrandOperation,
  superseded: () => boolean,
): Promise<void> {
  operation.startedAt = new Date().toISOString();
  operation.status = 'recording';
  try {
    const recorded = await recordBrandPublishing({
      brandId: state.brandId,
      paused: operation.paused,
      ...(operation.reason !== undefined ? { reason: operation.reason } : {}),
    });
    state.paused = recorded.paused;
    state.pausedReason = recorded.pausedReason;
  } catch (error) {
    if (!(error instanceof ActivityFailure && isBrandNotFound(error.cause))) throw error;
    operation.status = 'failed';
    operation.error = `brand ${state.brandId} does not exist`;
    operation.finishedAt = new Date().toISOString();
    return;
  }
  const flagChangedAt = Date.now();

  const reach: Reach = { found: new Set(), signalled: new Set() };
  operation.status = 'signalling';
  await tellPosts({ brandId: state.brandId, operation, reach });

  // A newer request tells every post itself, late ones included, so this one need not wait.
  operation.status = 'checking_late_posts';
  const wait = flagChangedAt + LATE_POSTS_WINDOW_MS - Date.now();
  if (wait > 0 && !(await condition(superseded, wait))) {
    await tellPosts({ brandId: state.brandId, operation, reach });
  }
  operation.status = 'done';
  operation.finishedAt = new Date().toISOString();
}

function everyPostTold(operation: BrandOperation): boolean {
  return operation.status === 'checking_late_posts' || operation.status === 'done' || operation.status === 'failed';
}

function isBrandNotFound(cause: unknown): boolean {
  return cause instanceof ApplicationFailure && cause.type === BRAND_NOT_FOUND;
}

function validateRequest(request: SetPublishingRequest, waiting: number): void {
  if (typeof request?.paused !== 'boolean') throw invalid('paused must be true or false');
  if (typeof request.by !== 'string' || request.by === '') throw invalid('the request must say who is asking');
  if (
    request.reason !== undefined &&
    (typeof request.reason !== 'string' || request.reason.length > MAX_REASON_LENGTH)
  ) {
    throw invalid(`reason must be text of at most ${MAX_REASON_LENGTH} characters`);
  }
  if (waiting >= MAX_WAITING_REQUESTS) {
    throw ApplicationFailure.create({
      type: 'InvalidTransition',
      message: `${waiting} pause and resume requests are already waiting for this brand; try again once they are done`,
      nonRetryable: true,
    });
  }
}

function invalid(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'InvalidInput', message, nonRetryable: true });
}

function forgetOldOperations(state: BrandPublishingState): void {
  const finished = state.operations.filter((operation) => operation.status === 'done' || operation.status === 'failed');
  const forget = new Set(finished.slice(0, Math.max(0, finished.length - FINISHED_KEPT)));
  if (forget.size > 0) state.operations = state.operations.filter((operation) => !forget.has(operation));
}
