/**
 * A new revision of the post's content: checked for quality, then recorded as the current revision
 * whether or not it passes. A revision with issues keeps the post in drafting.
 */
import type { RevisionContent, VariantContent } from '../../domain/types';
import type { QualityIssue, VariantState } from '../messages';
import { checkQuality } from './activityProxies';
import { PostUpdateError, refuse } from './errors';
import type { PostRun } from './state';

export async function applyRevision(
  run: PostRun,
  { content, submittedBy }: { content: RevisionContent; submittedBy: string },
): Promise<{ revision: number; issues: QualityIssue[] }> {
  const revision = run.state.revision + 1;
  const { issues } = await checkQuality({
    postId: run.state.postId,
    brandId: run.state.brandId,
    ...(run.state.campaignId ? { campaignId: run.state.campaignId } : {}),
    revision,
    sponsored: run.state.flags.includes('sponsored'),
    content,
  });
  if (run.finished) {
    throw refuse(PostUpdateError.InvalidTransition, `post was closed while revision ${revision} was being checked`);
  }
  run.state.revision = revision;
  run.state.content = content;
  run.state.qualityIssues = issues;
  run.state.variants = content.variants.map(pendingVariant);
  if (!run.revisionAuthorIds.includes(submittedBy)) run.revisionAuthorIds.push(submittedBy);
  return { revision, issues };
}

function pendingVariant(variant: VariantContent): VariantState {
  return { accountId: variant.accountId, platform: variant.platform, status: 'pending', attempts: 0 };
}
