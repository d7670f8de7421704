/**
 * What each platform accepts in one post. Hard platform limits where the platform has one;
 * elsewhere a cap that keeps a brand's posts readable (X has no hashtag limit, but ten tags in
 * 280 characters is spam). One table, so a platform's rules change in one line.
 */
import type { QualityIssue } from './postState';
import { PLATFORMS, type Platform, type VariantContent } from './types';
import { findHashtags, findMentions, findWebLinks, measureText, type LengthUnit } from './textEntities';

export interface PlatformLimits {
  maxLength: number;
  lengthUnit: LengthUnit;
  maxHashtags: number;
  maxMentions: number;
  maxLinks: number;
  /** What the post cannot go out without. */
  requiredMedia: 'none' | 'image_or_video' | 'video';
  maxMedia: number;
  maxVideos: number;
  /** Whether a video may share a post with images. */
  videoWithImages: boolean;
  /** Whether every image needs alternative text. */
  imageAltRequired: boolean;
}

// prettier-ignore
export const PLATFORM_LIMITS: Readonly<Record<Platform, Readonly<PlatformLimits>>> = {
  x:               { maxLength: 280,   lengthUnit: 'x_weighted', maxHashtags: 10, maxMentions: 10, maxLinks: 5,  requiredMedia: 'none',           maxMedia: 4,  maxVideos: 1,  videoWithImages: true,  imageAltRequired: false },
  linkedin:        { maxLength: 3000,  lengthUnit: 'characters', maxHashtags: 30, maxMentions: 30, maxLinks: 5,  requiredMedia: 'none',           maxMedia: 20, maxVideos: 1,  videoWithImages: false, imageAltRequired: false },
  instagram:       { maxLength: 2200,  lengthUnit: 'characters', maxHashtags: 30, maxMentions: 20, maxLinks: 5,  requiredMedia: 'image_or_video', maxMedia: 20, maxVideos: 20, videoWithImages: true,  imageAltRequired: false },
  instagram_reels: { maxLength: 2200,  lengthUnit: 'characters', maxHashtags: 30, maxMentions: 20, maxLinks: 5,  requiredMedia: 'video',          maxMedia: 1,  maxVideos: 1,  videoWithImages: false, imageAltRequired: false },
  tiktok:          { maxLength: 2200,  lengthUnit: 'characters', maxHashtags: 30, maxMentions: 20, maxLinks: 5,  requiredMedia: 'video',          maxMedia: 1,  maxVideos: 1,  videoWithImages: false, imageAltRequired: false },
  // YouTube ignores every hashtag of a video that has more than 15.
  youtube_shorts:  { maxLength: 5000,  lengthUnit: 'characters', maxHashtags: 15, maxMentions: 20, maxLinks: 10, requiredMedia: 'video',          maxMedia: 1,  maxVideos: 1,  videoWithImages: false, imageAltRequired: false },
  reddit:          { maxLength: 40000, lengthUnit: 'characters', maxHashtags: 10, maxMentions: 20, maxLinks: 20, requiredMedia: 'none',           maxMedia: 20, maxVideos: 1,  videoWithImages: false, imageAltRequired: false },
  facebook:        { maxLength: 63206, lengthUnit: 'characters', maxHashtags: 30, maxMentions: 50, maxLinks: 10, requiredMedia: 'none',           maxMedia: 10, maxVideos: 10, videoWithImages: true,  imageAltRequired: false },
  threads:         { maxLength: 500,   lengthUnit: 'characters', maxHashtags: 10, maxMentions: 20, maxLinks: 5,  requiredMedia: 'none',           maxMedia: 20, maxVideos: 20, videoWithImages: true,  imageAltRequired: false },
  bluesky:         { maxLength: 300,   lengthUnit: 'graphemes',  maxHashtags: 10, maxMentions: 10, maxLinks: 5,  requiredMedia: 'none',           maxMedia: 4,  maxVideos: 1,  videoWithImages: false, imageAltRequired: true  },
};

const LENGTH_NOTE: Readonly<Record<LengthUnit, string>> = {
  x_weighted: ' (X counts every link as 23 and most emoji and CJK characters as 2)',
  characters: '',
  graphemes: '',
};

export function isKnownPlatform(platform: string): platform is Platform {
  return (PLATFORMS as readonly string[]).includes(platform);
}

/**
 * Checks one variant against its platform's limits. `text` is what will be published (links
 * already tagged); `writtenText`, when given, is what the author wrote, so a message can say
 * when tagging is what pushed the text over the limit.
 */
export function checkPlatformLimits({
  variant,
  writtenText,
}: {
  variant: VariantContent;
  writtenText?: string;
}): QualityIssue[] {
  const { accountId, platform, text, media } = variant;
  if (!isKnownPlatform(platform)) {
    return [
      {
        accountId,
        platform,
        code: 'unknown_platform',
        message: `account ${accountId}: "${String(platform)}" is not a platform we publish to (${PLATFORMS.join(', ')})`,
      },
    ];
  }
  const limits = PLATFORM_LIMITS[platform];
  const issues: QualityIssue[] = [];
  const issue = (code: string, problem: string): void => {
    issues.push({ accountId, platform, code, message: `${platform}: ${problem}` });
  };

  if (text.trim() === '' && media.length === 0) issue('empty_variant', 'has neither text nor media');

  const length = measureText({ text, unit: limits.lengthUnit });
  if (length > limits.maxLength) {
    const writtenLength =
      writtenText === undefined ? length : measureText({ text: writtenText, unit: limits.lengthUnit });
    const cause =
      writtenLength <= limits.maxLength
        ? ` once UTM parameters are added to its links (${writtenLength} as written)`
        : '';
    const unit = limits.lengthUnit === 'x_weighted' ? 'weighted characters' : 'characters';
    issue(
      'text_too_long',
      `text is ${length} ${unit}${cause}, limit ${limits.maxLength}${LENGTH_NOTE[limits.lengthUnit]}`,
    );
  }

  const counted: Array<[code: string, noun: string, count: number, limit: number]> = [
    ['too_many_hashtags', 'hashtags', findHashtags(text).length, limits.maxHashtags],
    ['too_many_mentions', 'mentions', findMentions(text).length, limits.maxMentions],
    ['too_many_links', 'links', findWebLinks(text).length, limits.maxLinks],
  ];
  for (const [code, noun, count, limit] of counted) {
    if (count > limit) issue(code, `${count} ${noun}, limit ${limit}`);
  }

  const videos = media.filter((item) => item.kind === 'video').length;
  const images = media.length - videos;
  if (limits.requiredMedia === 'video' && videos === 0) {
    issue('video_required', images > 0 ? 'needs a video; images alone cannot be posted' : 'needs a video');
  }
  if (limits.requiredMedia === 'image_or_video' && media.length === 0) {
    issue('media_required', 'needs at least one image or video');
  }
  if (media.length > limits.maxMedia) {
    issue('too_many_media', `${media.length} media attachments, limit ${limits.maxMedia}`);
  } else if (videos > limits.maxVideos) {
    issue('too_many_videos', `${videos} videos, limit ${limits.maxVideos}`);
  }
  if (!limits.videoWithImages && videos > 0 && images > 0) {
    issue('video_with_images', 'a video cannot be posted together with images');
  }
  const withoutAlt = media.filter((item) => item.kind === 'image' && (item.alt ?? '').trim() === '').length;
  if (limits.imageAltRequired && withoutAlt > 0) {
    issue('image_alt_missing', `${withoutAlt} of ${images} images have no alt text; every image needs one`);
  }
  return issues;
}
