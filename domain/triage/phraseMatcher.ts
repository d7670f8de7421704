/**
 * Brand phrases are literal text, never patterns: each is escaped, so no brand setting can make
 * matching slow (ReDoS) or match what it does not say. A phrase matches as whole words: "refund"
 * is found in "Refund please!" but not in "refunded"; letters, digits and marks of any script
 * count as word characters, and any run of whitespace in the text matches a space in the phrase.
 */

const WORD_CHARACTER = '[\\p{L}\\p{N}\\p{M}_]';

function normalized(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** Escapes exactly the syntax characters: in a Unicode pattern any other escape is an error. */
function escapeLiteral(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

export interface PhraseMatcher {
  phrase: string;
  pattern: RegExp;
}

export function phraseMatcher({ phrase }: { phrase: string }): PhraseMatcher {
  const words = normalized(phrase).trim().split(/\s+/u).map(escapeLiteral);
  return {
    phrase,
    pattern: new RegExp(`(?<!${WORD_CHARACTER})${words.join('\\s+')}(?!${WORD_CHARACTER})`, 'iu'),
  };
}

/** The first of the phrases found in the text, in the order given, or undefined. */
export function firstPhraseIn({ text, matchers }: { text: string; matchers: PhraseMatcher[] }): string | undefined {
  const haystack = normalized(text);
  return matchers.find((matcher) => matcher.pattern.test(haystack))?.phrase;
}
