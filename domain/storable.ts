/**
 * Whether a JSON value can be written as it is: every text in it passes the text policy, and
 * none holds what Postgres refuses (NUL, an unpaired surrogate). Texts people write are known by
 * their field name and get that field's rules; any other text only has to be storable. Activities
 * check a value before they write it; a workflow whose write was refused makes its state storable
 * with `storableValue` so that the failure itself can still be recorded.
 */
import { TEXT } from './limits';
import {
  graphemeLength,
  storableText,
  textProblem,
  unpairedSurrogateAt,
  type TextProblem,
  type TextRules,
} from './text';

/**
 * Blank text says nothing but stores fine, and the validators already refused it where it
 * matters: a writer only checks what a write depends on.
 */
const RULES_BY_FIELD: Readonly<Record<string, TextRules>> = {
  title: { ...TEXT.title, allowBlank: true },
  comment: { ...TEXT.reviewComment, allowBlank: true },
  reason: { ...TEXT.cancelReason, allowBlank: true },
  note: { ...TEXT.revisionNote, allowBlank: true },
  text: { ...TEXT.variantText, allowBlank: true },
};

/** Only what Postgres itself refuses: text whose field has no rules of its own. */
const STORAGE_ONLY: TextRules = { maxGraphemes: Number.POSITIVE_INFINITY, multiline: true, allowBlank: true };

export interface UnstorableText extends TextProblem {
  /** Where the text sits in the value, e.g. `state.decisions[2].comment`. */
  path: string;
}

/** The first text in the value that may not be written, or undefined when all of it may. */
export function unstorableText(value: unknown, path = ''): UnstorableText | undefined {
  return findIn(value, path, STORAGE_ONLY);
}

function findIn(value: unknown, path: string, rules: TextRules): UnstorableText | undefined {
  if (typeof value === 'string') {
    const problem = storageProblem(value, rules);
    return problem ? { ...problem, path: path || 'value' } : undefined;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findIn(item, `${path}[${index}]`, rules);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const keyProblem = storageProblem(key, STORAGE_ONLY);
      if (keyProblem) return { ...keyProblem, path: path ? `${path}.<key>` : '<key>' };
      const found = findIn(item, path ? `${path}.${key}` : key, RULES_BY_FIELD[key] ?? STORAGE_ONLY);
      if (found) return found;
    }
  }
  return undefined;
}

function storageProblem(value: string, rules: TextRules): TextProblem | undefined {
  if (rules !== STORAGE_ONLY) return textProblem(value, rules);
  const surrogate = unpairedSurrogateAt(value);
  if (surrogate >= 0) return textProblem(value, rules);
  const nul = value.indexOf('\u0000');
  return nul >= 0
    ? { code: 'control_character', message: `contains the control character U+0000 at position ${nul}` }
    : undefined;
}

/**
 * A copy of the value that `unstorableText` accepts: NUL and unpaired surrogates become U+FFFD,
 * control characters a field does not allow too, and a text longer than its field allows is cut.
 */
export function storableValue<T>(value: T): T {
  return storableIn(value, STORAGE_ONLY) as T;
}

function storableIn(value: unknown, rules: TextRules): unknown {
  if (typeof value === 'string') return rules === STORAGE_ONLY ? storableText(value) : fitToRules(value, rules);
  if (Array.isArray(value)) return value.map((item) => storableIn(item, rules));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        storableText(key),
        storableIn(item, RULES_BY_FIELD[key] ?? STORAGE_ONLY),
      ]),
    );
  }
  return value;
}

// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/gu;
const LINE_BREAKS_AND_TABS = new Set(['\t', '\n', '\r']);

function fitToRules(value: string, rules: TextRules): string {
  let result = storableText(value).replace(CONTROLS, (control) =>
    rules.multiline && LINE_BREAKS_AND_TABS.has(control) ? control : '\ufffd',
  );
  if (textProblem(result, rules)?.code !== 'too_long') return result;
  if (graphemeLength(result) > rules.maxGraphemes) {
    const segments = new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(result);
    let kept = '';
    let count = 0;
    for (const { segment } of segments) {
      if (count === rules.maxGraphemes) break;
      kept += segment;
      count += 1;
    }
    result = kept;
  }
  // A few graphemes made of thousands of combining marks are still too long to keep whole.
  while (textProblem(result, rules)?.code === 'too_long') {
    result = storableText(result.slice(0, Math.floor(result.length / 2)));
  }
  return result;
}
