/**
 * How much one request may carry. The API's schemas and the workflow's update validators read the
 * same rules, so a value the API accepts is never refused later by the workflow, and the other way
 * round. Lengths are in graphemes (see text.ts).
 */
import type { TextRules } from './text';

export const TEXT = {
  title: { maxGraphemes: 200 },
  brief: { maxGraphemes: 5000, multiline: true },
  variantText: { maxGraphemes: 10_000, multiline: true, allowBlank: true },
  revisionNote: { maxGraphemes: 2000, multiline: true },
  reviewComment: { maxGraphemes: 5000, multiline: true },
  cancelReason: { maxGraphemes: 2000, multiline: true },
  pauseReason: { maxGraphemes: 2000, multiline: true },
  escalationReason: { maxGraphemes: 2000, multiline: true },
  resolveReason: { maxGraphemes: 2000, multiline: true },
  crisisReason: { maxGraphemes: 2000, multiline: true },
  replyTemplate: { maxGraphemes: 10_000, multiline: true },
  replyText: { maxGraphemes: 10_000, multiline: true },
  templateValue: { maxGraphemes: 200 },
  altText: { maxGraphemes: 2000, multiline: true },
} as const satisfies Record<string, TextRules>;

export const MAX_VARIANTS = 20;
export const MAX_MEDIA_PER_VARIANT = 20;
export const MAX_URL_LENGTH = 2000;
