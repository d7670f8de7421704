import { checkContent, type CheckContentInput } from '../../domain/quality';
import type { RevisionContent } from '../../domain/types';

const TAGS = 'utm_source=acme&utm_medium=social&utm_campaign=spring&utm_content=post-42';

function input(content: RevisionContent, over: Partial<CheckContentInput> = {}): CheckContentInput {
  return {
    content,
    sponsored: false,
    brand: { bannedPhrases: ['guaranteed returns'], utmSource: 'acme' },
    utm: { campaign: 'spring', content: 'post-42' },
    ...over,
  };
}

const VIDEO = { url: 'https://cdn.acme.com/clip.mp4', kind: 'video' as const };

describe('checkContent', () => {
  it('passes clean content and returns it with every link tagged', () => {
    const content: RevisionContent = {
      note: 'launch copy',
      variants: [
        { accountId: 'acme-x', platform: 'x', text: 'Spring is here https://acme.com/spring', media: [] },
        { accountId: 'acme-tt', platform: 'tiktok', text: 'Spring! acme.com/spring?src=tt', media: [VIDEO] },
      ],
    };
    const result = checkContent(input(content));
    expect(result.issues).toEqual([]);
    expect(result.content).toEqual({
      note: 'launch copy',
      variants: [
        { accountId: 'acme-x', platform: 'x', text: `Spring is here https://acme.com/spring?${TAGS}`, media: [] },
        { accountId: 'acme-tt', platform: 'tiktok', text: `Spring! acme.com/spring?src=tt&${TAGS}`, media: [VIDEO] },
      ],
    });
  });

  it('does not change the content it was given', () => {
    const content: RevisionContent = {
      variants: [{ accountId: 'acme-x', platform: 'x', text: 'https://acme.com/a', media: [] }],
    };
    const copy = structuredClone(content);
    checkContent(input(content));
    expect(content).toEqual(copy);
  });

  it('changes nothing more when run again on the content it returned', () => {
    const content: RevisionContent = {
      variants: [{ accountId: 'acme-li', platform: 'linkedin', text: 'Read https://acme.com/a?b=1#c', media: [] }],
    };
    const first = checkContent(input(content));
    expect(checkContent(input(first.content))).toEqual(first);
  });

  it('requires #ad or #sponsored on every variant of a sponsored post, naming each variant that lacks it', () => {
    const content: RevisionContent = {
      variants: [
        { accountId: 'acme-x', platform: 'x', text: 'Our partner rocks #ad', media: [] },
        { accountId: 'acme-li', platform: 'linkedin', text: 'Our partner rocks', media: [] },
        { accountId: 'acme-th', platform: 'threads', text: 'Our partner rocks #Sponsored', media: [] },
      ],
    };
    expect(checkContent(input(content, { sponsored: true })).issues).toEqual([
      {
        accountId: 'acme-li',
        platform: 'linkedin',
        code: 'sponsor_disclosure_missing',
        message: 'linkedin: a sponsored post must carry #ad or #sponsored',
      },
    ]);
    expect(checkContent(input(content, { sponsored: false })).issues).toEqual([]);
  });

  it('names each banned phrase and the variant that contains it', () => {
    const content: RevisionContent = {
      variants: [
        { accountId: 'acme-x', platform: 'x', text: 'Guaranteed returns, every time', media: [] },
        { accountId: 'acme-fb', platform: 'facebook', text: 'Solid returns, every time', media: [] },
      ],
    };
    expect(checkContent(input(content)).issues).toEqual([
      {
        accountId: 'acme-x',
        platform: 'x',
        code: 'banned_phrase',
        message: 'x: contains the banned phrase "guaranteed returns"',
      },
    ]);
  });

  it('checks lengths on the tagged text that will be published', () => {
    const text = `${'a'.repeat(270)} https://acme.com/spring`;
    const content: RevisionContent = {
      variants: [
        { accountId: 'acme-bsky', platform: 'bluesky', text, media: [] },
        // On X a link counts as 23 whatever its length, so tagging cannot push this over.
        { accountId: 'acme-x', platform: 'x', text: `${'a'.repeat(256)} https://acme.com/spring`, media: [] },
      ],
    };
    expect(checkContent(input(content)).issues).toEqual([
      {
        accountId: 'acme-bsky',
        platform: 'bluesky',
        code: 'text_too_long',
        message:
          'bluesky: text is 368 characters once UTM parameters are added to its links (294 as written), limit 300',
      },
    ]);
  });

  it('lists every problem of every variant at once', () => {
    const content: RevisionContent = {
      variants: [
        { accountId: 'acme-tt', platform: 'tiktok', text: 'guaranteed returns', media: [] },
        { accountId: 'acme-x', platform: 'x', text: 'a'.repeat(300), media: [] },
      ],
    };
    const issues = checkContent(input(content, { sponsored: true })).issues;
    expect(issues.map((issue) => [issue.accountId, issue.code])).toEqual([
      ['acme-tt', 'video_required'],
      ['acme-tt', 'banned_phrase'],
      ['acme-tt', 'sponsor_disclosure_missing'],
      ['acme-x', 'text_too_long'],
      ['acme-x', 'sponsor_disclosure_missing'],
    ]);
  });

  it('refuses a post with no variants', () => {
    expect(checkContent(input({ variants: [] })).issues).toEqual([
      { code: 'no_variants', message: 'the post has no variants: add the text for at least one account' },
    ]);
  });

  it('refuses two variants for the same account, since each account publishes once', () => {
    const content: RevisionContent = {
      variants: [
        { accountId: 'acme-x', platform: 'x', text: 'one', media: [] },
        { accountId: 'acme-x', platform: 'x', text: 'two', media: [] },
      ],
    };
    expect(checkContent(input(content)).issues).toEqual([
      {
        accountId: 'acme-x',
        code: 'duplicate_account',
        message: 'account acme-x has 2 variants; each account publishes one',
      },
    ]);
  });

  it('tags links with the brand source and the given campaign and content', () => {
    const content: RevisionContent = {
      variants: [{ accountId: 'acme-li', platform: 'linkedin', text: 'https://acme.com/a', media: [] }],
    };
    const result = checkContent(
      input(content, {
        brand: { bannedPhrases: [], utmSource: 'acme_b2b' },
        utm: { campaign: 'q3-launch', content: 'p-7' },
      }),
    );
    const url = new URL(result.content.variants[0].text);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      utm_source: 'acme_b2b',
      utm_medium: 'social',
      utm_campaign: 'q3-launch',
      utm_content: 'p-7',
    });
  });
});
