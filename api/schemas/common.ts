/**
 * Building blocks every resource's schemas share: the text policy, identifiers, instants, zones,
 * days, URLs and the domain's enums. This module extends zod with `.openapi()`, so every other
 * schema module imports `z` from here.
 */
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { MAX_MEDIA_PER_VARIANT, MAX_URL_LENGTH, MAX_VARIANTS, TEXT } from '../../domain/limits';
import {
  EARLIEST_YEAR,
  LATEST_YEAR,
  PublishTimeError,
  canonicalInstant,
  canonicalTimeZone,
  isValidTimeZone,
  parseLocalDate,
} from '../../domain/publishTime';
import { textProblem, unpairedSurrogateAt, type TextProblemCode, type TextRules } from '../../domain/text';
import { PLATFORMS, POST_STAGES, RISK_TIERS, ROLES, SENSITIVITY_FLAGS } from '../../domain/types';

extendZodWithOpenApi(z);

export { z };

/** Sequences and revisions are Postgres integers; a larger number cannot name one. */
export const MAX_INT32 = 2_147_483_647;

/**
 * Free text under the shared text policy (domain/text.ts): no NUL, other controls or unpaired
 * surrogates, length in graphemes, visible text unless the rules allow blank. `trim` removes
 * surrounding whitespace before length and blankness are judged, for one-line values such as titles
 * and reasons; a control character is refused even where trimming would have dropped it.
 */
const AS_SENT: ReadonlySet<TextProblemCode> = new Set(['control_character', 'unpaired_surrogate']);
const AS_KEPT: ReadonlySet<TextProblemCode> = new Set(['too_long', 'blank']);

export function Text(rules: TextRules, { trim = false }: { trim?: boolean } = {}) {
  const refuse = (check: TextRules, judges: ReadonlySet<TextProblemCode>) => (value: string, ctx: z.RefinementCtx) => {
    const problem = textProblem(value, check);
    if (problem && judges.has(problem.code)) {
      ctx.addIssue({ code: 'custom', message: problem.message, params: { reason: problem.code } });
    }
  };
  // Control characters and unpaired surrogates are refused as sent, before trimming could hide a
  // trailing one; length and blankness are judged on what is kept.
  const asSent = z.string().superRefine(refuse(rules, AS_SENT));
  return (trim ? asSent.trim() : asSent).superRefine(refuse(rules, AS_KEPT)).openapi({
    description:
      `Text of at most ${rules.maxGraphemes} characters (counted as a person sees them)` +
      `${rules.multiline ? ', line breaks allowed' : ', one line'}` +
      `${rules.allowBlank ? '' : ', with something visible'}; no control characters.`,
  });
}

export const Identifier = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/, 'expected letters, digits and . _ : @ - only');

/** An ISO instant read strictly (offsets within ±14:00, years 1970..9999) and passed on in UTC. */
export const InstantInput = z
  .string()
  .max(40)
  .transform((value, ctx) => {
    try {
      return canonicalInstant(value);
    } catch (error) {
      if (!(error instanceof PublishTimeError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
      return z.NEVER;
    }
  })
  .openapi({
    type: 'string',
    format: 'date-time',
    description: `ISO-8601 instant with Z or an offset (at most ±14:00), in the years ${EARLIEST_YEAR} to ${LATEST_YEAR}`,
    example: '2026-12-01T08:00:00Z',
  });

/** An instant as the API answers with it. */
export const IsoInstant = z.iso.datetime({ offset: true }).openapi({
  description: 'ISO-8601 instant with Z or an offset',
  example: '2026-12-01T08:00:00Z',
});

/** An IANA zone, stored in its canonical spelling ("europe/berlin" becomes "Europe/Berlin"). */
export const TimeZone = z
  .string()
  .max(64)
  .refine((value) => isValidTimeZone(value), { message: 'expected an IANA time zone such as Europe/Paris' })
  .transform((value) => canonicalTimeZone(value))
  .openapi({
    type: 'string',
    description: 'IANA time zone; stored in its canonical spelling (utc → UTC)',
    example: 'Europe/Berlin',
  });

export const LocalDate = z
  .string()
  .max(10)
  .refine(
    (value) => {
      try {
        parseLocalDate(value);
        return true;
      } catch {
        return false;
      }
    },
    { message: `expected a calendar day YYYY-MM-DD in the years ${EARLIEST_YEAR} to ${LATEST_YEAR}` },
  )
  .openapi({
    type: 'string',
    format: 'date',
    description: `Calendar day YYYY-MM-DD, years ${EARLIEST_YEAR} to ${LATEST_YEAR}`,
    example: '2026-12-01',
  });

/** An http(s) URL that Postgres can store: no controls, whitespace or unpaired surrogates. */
export const WebUrl = z
  .url({ protocol: /^https?$/ })
  .max(MAX_URL_LENGTH)
  .refine((value) => !/[\p{Cc}\p{White_Space}]/u.test(value) && unpairedSurrogateAt(value) < 0, {
    message: 'a URL may not contain control characters, spaces or unpaired surrogates',
  });

export const RiskTierSchema = z.enum(RISK_TIERS).openapi('RiskTier');
export const SensitivityFlagSchema = z.enum(SENSITIVITY_FLAGS).openapi('SensitivityFlag');
export const PlatformSchema = z.enum(PLATFORMS).openapi('Platform');
export const PostStageSchema = z.enum(POST_STAGES).openapi('PostStage');
export const RoleSchema = z.enum(ROLES).openapi('Role');

export const MediaSchema = z
  .object({
    url: WebUrl,
    kind: z.enum(['image', 'video']),
    alt: Text(TEXT.altText)
      .optional()
      .openapi({ description: 'What the image shows, for people who cannot see it (required on Bluesky)' }),
  })
  .openapi('Media');

/** Bluesky takes at most three languages on a post. */
const MAX_LANGUAGES_PER_VARIANT = 3;

const LanguageTag = z
  .string()
  .max(35)
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, 'expected a BCP 47 language tag such as en, de or pt-BR');

/** A record on an AT Protocol network: at://<did or handle>/<collection>/<record key>. */
const RecordUri = z
  .string()
  .max(300)
  .regex(
    /^at:\/\/[A-Za-z0-9._:%-]+\/[A-Za-z0-9.-]+\/[A-Za-z0-9._:~-]+$/,
    'expected an at:// URI of a post, such as at://did:plc:…/app.bsky.feed.post/3k…',
  );

export const DraftVariantSchema = z
  .object({
    accountId: Identifier.openapi({ description: "One of the brand's accounts; the platform is the account's" }),
    text: Text(TEXT.variantText),
    media: z.array(MediaSchema).max(MAX_MEDIA_PER_VARIANT).default([]),
    languages: z
      .array(LanguageTag)
      .min(1)
      .max(MAX_LANGUAGES_PER_VARIANT)
      .optional()
      .openapi({ description: 'The languages the text is written in; Bluesky tags the post with them' }),
    quoteOf: RecordUri.optional().openapi({
      description: 'The post this one quotes, as an at:// URI (Bluesky: a quote post, with the images if any)',
    }),
  })
  .openapi('DraftVariant');

export const RevisionContentInput = z
  .object({
    variants: z
      .array(DraftVariantSchema)
      .min(1)
      .max(MAX_VARIANTS)
      .refine((variants) => new Set(variants.map((v) => v.accountId)).size === variants.length, {
        message: 'each account may appear only once',
      }),
    note: Text(TEXT.revisionNote).optional(),
  })
  .openapi('RevisionContentInput');

export const EmptyBody = z.object({}).strict().openapi('Empty');
