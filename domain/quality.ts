/**
 * The quality gate a post passes before approval and again before publishing. Pure: the
 * caller loads the brand's configuration and passes it in.
 */
import type { QualityIssue } from './postState';
import type { RevisionContent, VariantContent } from './types';
import { carriesSponsorDisclosure, findBannedPhrases, SPONSOR_DISCLOSURE_TAGS } from './brandRules';
import { checkPlatformLimits } from './platformLimits';
import { SOCIAL_MEDIUM, tagLinks, type UtmTags } from './utm';

export interface BrandQualityRules {
  bannedPhrases: string[];
  utmSource: string;
}

export interface CheckContentInput {
  content: RevisionContent;
  sponsored: boolean;
  brand: BrandQualityRules;
  /** utm_campaign and utm_content for this post's links (typically the campaign and the post id). */
  utm: { campaign: string; content: string };
}

export interface CheckContentResult {
  /** Everything that blocks the post; empty when it may go ahead. */
  issues: QualityIssue[];
  /** The content as it will be published: every web link tagged with UTM parameters. */
  content: RevisionContent;
}

export function checkContent({ content, sponsored, brand, utm }: CheckContentInput): CheckContentResult {
  const tags: UtmTags = {
    source: brand.utmSource,
    medium: SOCIAL_MEDIUM,
    campaign: utm.campaign,
    content: utm.content,
  };
  const variants = content.variants.map((variant): VariantContent => ({
    ...variant,
    text: tagLinks({ text: variant.text, utm: tags }),
  }));

  const issues: QualityIssue[] = [...checkVariantSet(content.variants)];
  content.variants.forEach((written, index) => {
    const published = variants[index];
    issues.push(...checkPlatformLimits({ variant: published, writtenText: written.text }));
    issues.push(...checkBrandRules({ variant: written, sponsored, bannedPhrases: brand.bannedPhrases }));
  });
  return { issues, content: { ...content, variants } };
}

function checkVariantSet(variants: readonly VariantContent[]): QualityIssue[] {
  if (variants.length === 0) {
    return [{ code: 'no_variants', message: 'the post has no variants: add the text for at least one account' }];
  }
  const perAccount = new Map<string, number>();
  for (const { accountId } of variants) perAccount.set(accountId, (perAccount.get(accountId) ?? 0) + 1);
  return [...perAccount]
    .filter(([, count]) => count > 1)
    .map(([accountId, count]) => ({
      accountId,
      code: 'duplicate_account',
      message: `account ${accountId} has ${count} variants; each account publishes one`,
    }));
}

function checkBrandRules({
  variant,
  sponsored,
  bannedPhrases,
}: {
  variant: VariantContent;
  sponsored: boolean;
  bannedPhrases: readonly string[];
}): QualityIssue[] {
  const { accountId, platform, text } = variant;
  const issues: QualityIssue[] = findBannedPhrases({ text, bannedPhrases }).map((phrase) => ({
    accountId,
    platform,
    code: 'banned_phrase',
    message: `${platform}: contains the banned phrase "${phrase}"`,
  }));
  if (sponsored && !carriesSponsorDisclosure(text)) {
    const accepted = SPONSOR_DISCLOSURE_TAGS.map((tag) => `#${tag}`).join(' or ');
    issues.push({
      accountId,
      platform,
      code: 'sponsor_disclosure_missing',
      message: `${platform}: a sponsored post must carry ${accepted}`,
    });
  }
  return issues;
}
