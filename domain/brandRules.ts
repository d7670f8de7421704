/**
 * A brand's own rules for what its posts may say: phrases it never uses, and the disclosure
 * that paid content must carry wherever it appears.
 */
import { findHashtags } from './textEntities';

/** Hashtags that disclose paid content; one of them must appear on every variant of a sponsored post. */
export const SPONSOR_DISCLOSURE_TAGS: readonly string[] = ['ad', 'sponsored'];

/** Letters, digits and underscore: a banned phrase only matches when none of these touch it. */
const WORD_CHARACTER = String.raw`[\p{L}\p{N}\p{M}_]`;

function phrasePattern(phrase: string): RegExp {
  const words = phrase
    .normalize('NFC')
    .trim()
    .split(/\s+/u)
    .map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`(?<!${WORD_CHARACTER})${words.join(String.raw`\s+`)}(?!${WORD_CHARACTER})`, 'iu');
}

/**
 * The banned phrases the text contains, as the brand wrote them. Matching ignores case and
 * the amount of white space between words, and takes whole phrases only: "scam" does not
 * match "scampi".
 */
export function findBannedPhrases({
  text,
  bannedPhrases,
}: {
  text: string;
  bannedPhrases: readonly string[];
}): string[] {
  const normalized = text.normalize('NFC');
  const found = new Map<string, string>();
  for (const phrase of bannedPhrases) {
    const trimmed = phrase.trim();
    const key = trimmed.toLowerCase();
    if (trimmed === '' || found.has(key)) continue;
    if (phrasePattern(trimmed).test(normalized)) found.set(key, trimmed);
  }
  return [...found.values()];
}

export function carriesSponsorDisclosure(text: string): boolean {
  return findHashtags(text).some((tag) => SPONSOR_DISCLOSURE_TAGS.includes(tag.toLowerCase()));
}
