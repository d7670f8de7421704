/**
 * The one text policy for every free-text value people send or platforms return: what may be
 * stored, how long it is, and when it says nothing at all. The API applies it at the edge; an
 * activity applies it again before it writes, so a value that slipped past the edge fails once
 * with a reason instead of failing every retry in Postgres.
 */

export interface TextRules {
  /** Longest accepted text, counted in graphemes (what a person sees as one character). */
  maxGraphemes: number;
  /** Line breaks and tabs allowed (bodies, comments); otherwise one line (titles, names). */
  multiline?: boolean;
  /** Empty (or invisible-only) text accepted; otherwise it must show something. */
  allowBlank?: boolean;
}

export type TextProblemCode = 'control_character' | 'unpaired_surrogate' | 'too_long' | 'blank';

export interface TextProblem {
  code: TextProblemCode;
  message: string;
}

/**
 * Code units a single grapheme may take before the text counts as too long anyway: a run of
 * thousands of combining marks is one grapheme but not one character's worth of storage.
 */
const CODE_UNITS_PER_GRAPHEME = 16;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** C0 and C1 controls and DEL; tab, line feed and carriage return are told apart below. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
// eslint-disable-next-line no-control-regex
const CONTROL_EXCEPT_LINE_BREAKS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/u;

/** Characters that occupy no visible space: whitespace, format characters, blank fillers. */
const INVISIBLE = /[\p{White_Space}\p{Cf}\u034f\u115f\u1160\u2800\u3164\uffa0]/gu;

export function graphemeLength(value: string): number {
  let count = 0;
  for (const _ of graphemes.segment(value)) count += 1;
  return count;
}

/** The index of the first surrogate without its partner, or -1. */
export function unpairedSurrogateAt(value: string): number {
  for (let i = 0; i < value.length; i += 1) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i += 1;
        continue;
      }
      return i;
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) return i;
  }
  return -1;
}

export function isBlank(value: string): boolean {
  return value.replace(INVISIBLE, '').length === 0;
}

/** What is wrong with a text under the rules, or undefined when it is acceptable. */
export function textProblem(value: string, rules: TextRules): TextProblem | undefined {
  const surrogate = unpairedSurrogateAt(value);
  if (surrogate >= 0) {
    return {
      code: 'unpaired_surrogate',
      message: `contains an unpaired UTF-16 surrogate at position ${surrogate} (not valid Unicode text)`,
    };
  }
  const control = (rules.multiline ? CONTROL_EXCEPT_LINE_BREAKS : CONTROL).exec(value);
  if (control) {
    const codePoint = control[0].codePointAt(0) ?? 0;
    return {
      code: 'control_character',
      message: `contains the control character U+${codePoint.toString(16).toUpperCase().padStart(4, '0')} at position ${control.index}`,
    };
  }
  if (
    value.length > rules.maxGraphemes * CODE_UNITS_PER_GRAPHEME ||
    (value.length > rules.maxGraphemes && graphemeLength(value) > rules.maxGraphemes)
  ) {
    return { code: 'too_long', message: `must be at most ${rules.maxGraphemes} characters` };
  }
  if (!rules.allowBlank && isBlank(value)) {
    return { code: 'blank', message: 'must contain visible text' };
  }
  return undefined;
}

/**
 * Text as Postgres can always store it, for values nobody can be asked to correct (a platform's
 * answer, an error message): NUL and unpaired surrogates become U+FFFD.
 */
export function storableText(value: string): string {
  // eslint-disable-next-line no-control-regex
  let result = value.includes('\u0000') ? value.replace(/\u0000/g, '\ufffd') : value;
  let surrogate = unpairedSurrogateAt(result);
  while (surrogate >= 0) {
    result = `${result.slice(0, surrogate)}\ufffd${result.slice(surrogate + 1)}`;
    surrogate = unpairedSurrogateAt(result);
  }
  return result;
}
