/**
 * A post whose workflow is gone from Temporal while its projection still shows it open: the
 * terminal state that says so. What the platforms' ledgers show as published is the truth for
 * the variants, whatever the last projection said.
 */
import type { PostState, VariantState } from './postState';

/**
 * The sequence the loss is recorded under in the projection and the audit log. A workflow writes
 * one sequence per transition, counting from 1, so it never reaches this one: the loss stays the
 * post's last word, and recording it again writes nothing new.
 */
export const LOST_SEQUENCE = 2_000_000_000;

/** Failure type of a variant whose publishing the lost workflow never finished. */
export const WORKFLOW_LOST_FAILURE = 'WorkflowLost';

/** How a post's workflow was found gone. */
export type WorkflowGone =
  | { kind: 'not_found'; neverStarted: boolean }
  | { kind: 'terminated'; reason?: string }
  | { kind: 'timed_out' }
  | { kind: 'failed'; message?: string }
  | { kind: 'cancelled' };

/** A publication a platform's ledger holds for one of the post's variants. */
export interface LedgerPublication {
  accountId: string;
  externalId: string;
  url: string;
  publishedAt: string;
}

export function lostReason(gone: WorkflowGone): string {
  switch (gone.kind) {
    case 'not_found':
      return gone.neverStarted ? 'the workflow never started in Temporal' : 'the workflow no longer exists in Temporal';
    case 'terminated':
      return gone.reason
        ? `the workflow was terminated by an admin: ${gone.reason}`
        : 'the workflow was terminated by an admin';
    case 'timed_out':
      return 'the workflow timed out in Temporal';
    case 'failed':
      return gone.message ? `the workflow failed: ${gone.message}` : 'the workflow failed';
    case 'cancelled':
      return 'the workflow was cancelled in Temporal';
  }
}

/**
 * The post as lost: closed with the reason, its review clocks gone, and each variant as the
 * ledger has it. A variant caught mid-publication that the ledger does not show was never published.
 */
export function lostPostState({
  state,
  reason,
  publications,
  at,
}: {
  state: PostState;
  reason: string;
  publications: LedgerPublication[];
  at: string;
}): PostState {
  const byAccount = new Map(publications.map((publication) => [publication.accountId, publication]));
  const variants = state.variants.map((variant): VariantState => {
    const published = byAccount.get(variant.accountId);
    if (published) {
      const { failureReason: _reason, failureType: _type, ...rest } = variant;
      return {
        ...rest,
        status: 'published',
        externalId: published.externalId,
        url: published.url,
        publishedAt: published.publishedAt,
      };
    }
    if (variant.status === 'publishing') {
      return {
        ...variant,
        status: 'failed',
        failureType: WORKFLOW_LOST_FAILURE,
        failureReason: 'the workflow was lost before this variant was published',
      };
    }
    return variant;
  });
  const published = variants.filter((variant) => variant.status === 'published');
  const publishedNote =
    published.length > 0
      ? `; published before it was lost: ${published.map((v) => `${v.platform} (${v.accountId})`).join(', ')}`
      : '';
  return {
    ...state,
    stage: 'lost',
    openStages: [],
    deadlines: [],
    variants,
    exitReason: `${reason}${publishedNote}`,
    updatedAt: at,
  };
}
