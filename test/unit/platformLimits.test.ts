import { PLATFORM_LIMITS, checkPlatformLimits } from '../../domain/platformLimits';
import { findWebLinks, measureText } from '../../domain/textEntities';
import { PLATFORMS, type Media, type Platform, type VariantContent } from '../../domain/types';

const IMAGE: Media = { url: 'https://cdn.acme.com/a.jpg', kind: 'image', alt: 'Our new kettle on a kitchen shelf' };
const VIDEO: Media = { url: 'https://cdn.acme.com/a.mp4', kind: 'video' };

/** The smallest media set the platform accepts, so that only the rule under test can fail. */
function acceptedMedia(platform: Platform): Media[] {
  const required = PLATFORM_LIMITS[platform].requiredMedia;
  return required === 'video' ? [VIDEO] : required === 'image_or_video' ? [IMAGE] : [];
}

function variant(platform: Platform, text: string, media: Media[] = acceptedMedia(platform)): VariantContent {
  return { accountId: `acme-${platform}`, platform, text, media };
}

function codes(v: VariantContent): string[] {
  return checkPlatformLimits({ variant: v }).map((issue) => issue.code);
}

const tags = (n: number) => Array.from({ length: n }, (_, i) => `#tag${i}`).join(' ');
const mentions = (n: number) => Array.from({ length: n }, (_, i) => `@user${i}`).join(' ');
const links = (n: number) => Array.from({ length: n }, (_, i) => `https://acme.com/p/${i}`).join(' ');

describe('text length per platform', () => {
  it.each(PLATFORMS.filter((p) => p !== 'x'))(
    '%s accepts text at its limit and refuses one character more',
    (platform) => {
      const { maxLength } = PLATFORM_LIMITS[platform];
      expect(checkPlatformLimits({ variant: variant(platform, 'a'.repeat(maxLength)) })).toEqual([]);
      expect(checkPlatformLimits({ variant: variant(platform, 'a'.repeat(maxLength + 1)) })).toEqual([
        {
          accountId: `acme-${platform}`,
          platform,
          code: 'text_too_long',
          message: `${platform}: text is ${maxLength + 1} characters, limit ${maxLength}`,
        },
      ]);
    },
  );

  it.each<[Platform, number]>([
    ['x', 280],
    ['linkedin', 3000],
    ['instagram', 2200],
    ['instagram_reels', 2200],
    ['tiktok', 2200],
    ['youtube_shorts', 5000],
    ['reddit', 40000],
    ['facebook', 63206],
    ['threads', 500],
    ['bluesky', 300],
  ])('%s allows %i characters', (platform, limit) => {
    expect(PLATFORM_LIMITS[platform].maxLength).toBe(limit);
  });

  it('counts X text with twitter-text weighting: 280 plain characters pass, 281 fail', () => {
    expect(codes(variant('x', 'a'.repeat(280)))).toEqual([]);
    expect(checkPlatformLimits({ variant: variant('x', 'a'.repeat(281)) })[0].message).toBe(
      'x: text is 281 weighted characters, limit 280 (X counts every link as 23 and most emoji and CJK characters as 2)',
    );
  });

  it('counts each emoji as two on X', () => {
    expect(codes(variant('x', '😀'.repeat(140)))).toEqual([]);
    expect(codes(variant('x', '😀'.repeat(140) + 'a'))).toEqual(['text_too_long']);
  });

  it('counts each CJK character as two on X', () => {
    expect(codes(variant('x', '日本語'.repeat(46) + '日本'))).toEqual([]);
    expect(measureText({ text: '日'.repeat(141), unit: 'x_weighted' })).toBe(282);
    expect(codes(variant('x', '日'.repeat(141)))).toEqual(['text_too_long']);
  });

  it('counts any link as 23 on X, however long it is', () => {
    const longLink = `https://acme.com/${'path/'.repeat(40)}?utm_source=acme&utm_medium=social`;
    const text = `${'a'.repeat(256)} ${longLink}`;
    expect(measureText({ text, unit: 'x_weighted' })).toBe(280);
    expect(codes(variant('x', text))).toEqual([]);
    expect(codes(variant('x', `a${text}`))).toEqual(['text_too_long']);
  });

  it('counts Bluesky text in graphemes, so a family emoji is one character', () => {
    const family = '👩‍👩‍👧‍👦';
    expect(codes(variant('bluesky', family.repeat(300)))).toEqual([]);
    expect(checkPlatformLimits({ variant: variant('bluesky', family.repeat(301)) })[0].message).toBe(
      'bluesky: text is 301 characters, limit 300',
    );
  });

  it('says when adding UTM parameters is what took the text over the limit', () => {
    const written = `${'a'.repeat(470)} https://acme.com/x`;
    const published = `${'a'.repeat(470)} https://acme.com/x?utm_source=acme&utm_medium=social`;
    expect(checkPlatformLimits({ variant: variant('threads', published), writtenText: written })[0].message).toBe(
      'threads: text is 523 characters once UTM parameters are added to its links (489 as written), limit 500',
    );
  });
});

describe('hashtags, mentions and links per platform', () => {
  it.each(PLATFORMS)('%s accepts its hashtag limit and refuses one more', (platform) => {
    const { maxHashtags } = PLATFORM_LIMITS[platform];
    expect(codes(variant(platform, tags(maxHashtags)))).toEqual([]);
    expect(checkPlatformLimits({ variant: variant(platform, tags(maxHashtags + 1)) })).toEqual([
      expect.objectContaining({
        code: 'too_many_hashtags',
        message: `${platform}: ${maxHashtags + 1} hashtags, limit ${maxHashtags}`,
      }),
    ]);
  });

  it.each(PLATFORMS)('%s accepts its mention limit and refuses one more', (platform) => {
    const { maxMentions } = PLATFORM_LIMITS[platform];
    expect(codes(variant(platform, mentions(maxMentions)))).toEqual([]);
    expect(checkPlatformLimits({ variant: variant(platform, mentions(maxMentions + 1)) })).toEqual([
      expect.objectContaining({
        code: 'too_many_mentions',
        message: `${platform}: ${maxMentions + 1} mentions, limit ${maxMentions}`,
      }),
    ]);
  });

  it.each(PLATFORMS)('%s accepts its link limit and refuses one more', (platform) => {
    const { maxLinks } = PLATFORM_LIMITS[platform];
    expect(codes(variant(platform, links(maxLinks)))).toEqual([]);
    expect(checkPlatformLimits({ variant: variant(platform, links(maxLinks + 1)) })).toEqual([
      expect.objectContaining({
        code: 'too_many_links',
        message: `${platform}: ${maxLinks + 1} links, limit ${maxLinks}`,
      }),
    ]);
  });

  it('allows 30 hashtags on Instagram and 15 on YouTube Shorts, which ignores them all beyond that', () => {
    expect(PLATFORM_LIMITS.instagram.maxHashtags).toBe(30);
    expect(PLATFORM_LIMITS.youtube_shorts.maxHashtags).toBe(15);
  });

  it('does not count a URL fragment as a hashtag or an e-mail address as a mention', () => {
    const text = `${tags(10)} https://acme.com/page#section write to press@acme.com`;
    expect(codes(variant('x', text))).toEqual([]);
  });

  it('counts web links written without a scheme but not names that merely look like domains', () => {
    expect(findWebLinks('see www.acme.com, acme.com/sale and https://acme.com').map((l) => l.text)).toEqual([
      'www.acme.com',
      'acme.com/sale',
      'https://acme.com',
    ]);
    expect(findWebLinks('read README.md, try node.js, mail press@acme.com, ftp://files.acme.com/x')).toEqual([]);
  });
});

describe('media per platform', () => {
  it.each<Platform>(['tiktok', 'instagram_reels', 'youtube_shorts'])(
    '%s refuses a post without a video',
    (platform) => {
      expect(checkPlatformLimits({ variant: variant(platform, 'Watch this', []) })).toEqual([
        { accountId: `acme-${platform}`, platform, code: 'video_required', message: `${platform}: needs a video` },
      ]);
      expect(checkPlatformLimits({ variant: variant(platform, 'Watch this', [IMAGE]) })[0].message).toBe(
        `${platform}: needs a video; images alone cannot be posted`,
      );
      expect(codes(variant(platform, 'Watch this', [VIDEO]))).toEqual([]);
    },
  );

  it('refuses an Instagram post without an image or video', () => {
    expect(checkPlatformLimits({ variant: variant('instagram', 'Caption', []) })).toEqual([
      expect.objectContaining({ code: 'media_required', message: 'instagram: needs at least one image or video' }),
    ]);
    expect(codes(variant('instagram', 'Caption', [VIDEO]))).toEqual([]);
  });

  it.each(PLATFORMS.filter((p) => PLATFORM_LIMITS[p].requiredMedia === 'none'))(
    '%s accepts text without media',
    (platform) => {
      expect(codes(variant(platform, 'Just words', []))).toEqual([]);
    },
  );

  it.each(PLATFORMS)('%s accepts its media limit and refuses one more', (platform) => {
    const { maxMedia, requiredMedia } = PLATFORM_LIMITS[platform];
    const item = requiredMedia === 'video' ? VIDEO : IMAGE;
    expect(codes(variant(platform, 'Look', Array(maxMedia).fill(item)))).toEqual([]);
    expect(checkPlatformLimits({ variant: variant(platform, 'Look', Array(maxMedia + 1).fill(item)) })).toEqual([
      expect.objectContaining({
        code: 'too_many_media',
        message: `${platform}: ${maxMedia + 1} media attachments, limit ${maxMedia}`,
      }),
    ]);
  });

  it('refuses a Bluesky image without alt text, which other platforms leave optional', () => {
    const bare: Media = { url: 'https://cdn.acme.com/b.jpg', kind: 'image' };
    const blank: Media = { ...bare, alt: '  ' };
    expect(checkPlatformLimits({ variant: variant('bluesky', 'Look', [IMAGE, bare, blank]) })).toEqual([
      expect.objectContaining({
        code: 'image_alt_missing',
        message: 'bluesky: 2 of 3 images have no alt text; every image needs one',
      }),
    ]);
    expect(codes(variant('bluesky', 'Look', [IMAGE]))).toEqual([]);
    expect(codes(variant('x', 'Look', [bare]))).toEqual([]);
  });

  it('allows one video on Bluesky and refuses a second', () => {
    expect(codes(variant('bluesky', 'Clip', [VIDEO]))).toEqual([]);
    expect(checkPlatformLimits({ variant: variant('bluesky', 'Clips', [VIDEO, VIDEO]) })).toEqual([
      expect.objectContaining({ code: 'too_many_videos', message: 'bluesky: 2 videos, limit 1' }),
    ]);
  });

  it('refuses a video mixed with images where the platform does not allow it, and accepts it where it does', () => {
    expect(checkPlatformLimits({ variant: variant('linkedin', 'Mixed', [IMAGE, VIDEO]) })).toEqual([
      expect.objectContaining({
        code: 'video_with_images',
        message: 'linkedin: a video cannot be posted together with images',
      }),
    ]);
    expect(codes(variant('x', 'Mixed', [IMAGE, VIDEO]))).toEqual([]);
    expect(codes(variant('instagram', 'Carousel', [IMAGE, VIDEO, IMAGE]))).toEqual([]);
  });
});

describe('variant shape', () => {
  it('refuses a variant with neither text nor media', () => {
    expect(checkPlatformLimits({ variant: variant('x', '   ', []) })).toEqual([
      { accountId: 'acme-x', platform: 'x', code: 'empty_variant', message: 'x: has neither text nor media' },
    ]);
  });

  it('accepts a media-only post where media is enough', () => {
    expect(codes(variant('instagram', '', [IMAGE]))).toEqual([]);
  });

  it('names a platform it does not know instead of failing', () => {
    const issues = checkPlatformLimits({ variant: { ...variant('x', 'hi'), platform: 'myspace' as Platform } });
    expect(issues).toEqual([expect.objectContaining({ code: 'unknown_platform' })]);
    expect(issues[0].message).toContain('"myspace" is not a platform we publish to');
  });
});
