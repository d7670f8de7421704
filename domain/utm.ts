/**
 * Campaign tracking: every web link in a post carries UTM parameters so that clicks are
 * attributed to the brand, the channel, the campaign and the post.
 */
import { findWebLinks } from './textEntities';

export interface UtmTags {
  source: string;
  medium: string;
  campaign: string;
  content: string;
}

/** Parameter names in the order they are appended. */
const UTM_PARAMETERS: ReadonlyArray<[keyof UtmTags, string]> = [
  ['source', 'utm_source'],
  ['medium', 'utm_medium'],
  ['campaign', 'utm_campaign'],
  ['content', 'utm_content'],
];

export const SOCIAL_MEDIUM = 'social';

/**
 * Adds each UTM parameter a link lacks, after its existing query and before its fragment.
 * The link's scheme, host, path and existing parameters stay exactly as written, a value the
 * link already has is never overwritten, and an empty tag is left out; tagging a tagged link
 * therefore changes nothing.
 */
export function tagLink({ link, href, utm }: { link: string; href: string; utm: UtmTags }): string {
  let existing: URLSearchParams;
  try {
    existing = new URL(href).searchParams;
  } catch {
    return link;
  }
  const missing = new URLSearchParams();
  for (const [tag, parameter] of UTM_PARAMETERS) {
    if (utm[tag] !== '' && !existing.has(parameter)) missing.append(parameter, utm[tag]);
  }
  if ([...missing.keys()].length === 0) return link;

  const hashAt = link.indexOf('#');
  const beforeFragment = hashAt === -1 ? link : link.slice(0, hashAt);
  const fragment = hashAt === -1 ? '' : link.slice(hashAt);
  const separator = !beforeFragment.includes('?') ? '?' : /[?&]$/.test(beforeFragment) ? '' : '&';
  return `${beforeFragment}${separator}${missing.toString()}${fragment}`;
}

/** The text with every web link tagged; everything between the links is untouched. */
export function tagLinks({ text, utm }: { text: string; utm: UtmTags }): string {
  let tagged = '';
  let copiedUpTo = 0;
  for (const link of findWebLinks(text)) {
    tagged += text.slice(copiedUpTo, link.start) + tagLink({ link: link.text, href: link.href, utm });
    copiedUpTo = link.end;
  }
  return tagged + text.slice(copiedUpTo);
}
