/**
 * What a post's text contains as the platforms see it: links, hashtags, mentions and its
 * length. Links come from linkifyjs; hashtags and mentions from twitter-text, whose rules
 * (Unicode tags, no tags inside URLs, no mentions inside e-mail addresses) are the ones the
 * platforms we publish to broadly share.
 */
import { find } from 'linkifyjs';
import { extractHashtags, extractMentions, parseTweet } from 'twitter-text';

export interface WebLink {
  /** The link as written in the text. */
  text: string;
  /** The same link with a scheme, for parsing. */
  href: string;
  /** UTF-16 offsets into the text, end exclusive. */
  start: number;
  end: number;
}

const EXPLICIT_WEB_SCHEME = /^https?:\/\//i;

/**
 * Web links in the text. A bare name such as "README.md" or "node.js" looks like a domain, so a
 * link without a scheme counts only when it starts with "www." or carries a path, query or
 * fragment ("acme.com/sale").
 */
export function findWebLinks(text: string): WebLink[] {
  return find(text, 'url')
    .filter(({ value, href }) => {
      if (!/^https?:/i.test(href)) return false;
      if (EXPLICIT_WEB_SCHEME.test(value) || /^www\./i.test(value)) return true;
      return /[/?#]/.test(value);
    })
    .map(({ value, href, start, end }) => ({ text: value, href, start, end }));
}

export function findHashtags(text: string): string[] {
  return extractHashtags(text);
}

export function findMentions(text: string): string[] {
  return extractMentions(text);
}

export type LengthUnit = 'x_weighted' | 'characters' | 'graphemes';

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The text's length as a platform counts it. X weighs characters (most CJK and every emoji
 * count 2) and counts every link as 23; "characters" are Unicode code points; graphemes are
 * what a reader sees as one character, a family emoji included.
 */
export function measureText({ text, unit }: { text: string; unit: LengthUnit }): number {
  switch (unit) {
    case 'x_weighted':
      return parseTweet(text).weightedLength;
    case 'characters':
      return [...text].length;
    case 'graphemes':
      return [...graphemes.segment(text)].length;
  }
}
