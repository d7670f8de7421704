/** How values of each search attribute type are read, both from a query and from a stored run. */
import { EXECUTION_STATUSES, type ExecutionStatus } from './model';

/**
 * A point in time with nanosecond precision: whole epoch milliseconds plus the nanoseconds past
 * them. A single double cannot hold epoch nanoseconds exactly, and list filters may give them.
 */
export interface Instant {
  ms: number;
  /** 0 to 999 999. */
  ns: number;
}

export const compareInstants = (a: Instant, b: Instant): number => a.ms - b.ms || a.ns - b.ns;

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/** Days since 1970-01-01 of a proleptic Gregorian date, valid for every year (unlike Date.UTC below 100). */
function daysSinceEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** Parses an RFC 3339 timestamp (fractional seconds up to nanoseconds, zone required), as Go's time.RFC3339Nano does. */
export function parseRfc3339(text: string): Instant | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const maxDay = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
  if (month < 1 || month > 12 || day < 1 || day > maxDay || hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  if (m[8]) {
    const offsetHours = Number(m[9]);
    const offsetMins = Number(m[10]);
    if (offsetHours > 23 || offsetMins > 59) return undefined;
    offsetMinutes = (m[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  const fractionNs = m[7] ? Number(m[7].padEnd(9, '0')) : 0;
  const seconds = daysSinceEpoch(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60;
  return { ms: seconds * 1000 + Math.floor(fractionNs / 1e6), ns: fractionNs % 1e6 };
}

/** Epoch nanoseconds written as an integer literal, split exactly into milliseconds and the rest. */
export function instantFromEpochNanos(integerText: string): Instant {
  const nanos = BigInt(integerText);
  let ms = nanos / 1_000_000n;
  let ns = nanos % 1_000_000n;
  if (ns < 0n) {
    ms -= 1n;
    ns += 1_000_000n;
  }
  return { ms: Number(ms), ns: Number(ns) };
}

export function instantFromEpochMillis(ms: number): Instant {
  const whole = Math.floor(ms);
  return { ms: whole, ns: Math.round((ms - whole) * 1e6) };
}

/**
 * Lists are evaluated over thousands of runs, and a Datetime attribute is stored as an ISO
 * string, so parsed strings are remembered (a bounded cache: it is simply emptied when full).
 */
const CACHE_LIMIT = 50_000;
const storedInstants = new Map<string, Instant | null>();

/** A stored Datetime value (epoch ms number, ISO string or Date) as an instant; undefined if it is none of those. */
export function storedInstant(value: unknown): Instant | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? instantFromEpochMillis(value) : undefined;
  if (typeof value === 'string') {
    let instant = storedInstants.get(value);
    if (instant === undefined) {
      const parsedMs = Date.parse(value);
      instant = parseRfc3339(value) ?? (Number.isNaN(parsedMs) ? null : instantFromEpochMillis(parsedMs));
      if (storedInstants.size >= CACHE_LIMIT) storedInstants.clear();
      storedInstants.set(value, instant);
    }
    return instant ?? undefined;
  }
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isNaN(ms) ? undefined : instantFromEpochMillis(ms);
  }
  return undefined;
}

const isWordChar = (c: string): boolean => /[\p{L}\p{M}\p{N}_]/u.test(c);
const isLetter = (c: string): boolean => /[\p{L}\p{M}_]/u.test(c);
const isDigit = (c: string): boolean => /\p{N}/u.test(c);
/** Han and Hiragana characters are words on their own, as in Elasticsearch's standard analyzer. */
const isIdeograph = (c: string): boolean => /[\p{Script=Han}\p{Script=Hiragana}]/u.test(c);
/** Punctuation that does not split a word when it sits between two letters ("example.com", "can't")... */
const JOINS_LETTERS = new Set(['.', "'", '\u2019']);
/** ...or between two digits ("3.14", "1,000"). */
const JOINS_DIGITS = new Set(['.', ',', ';', "'", '\u2019']);

const tokenCache = new Map<string, string[]>();

/**
 * The lower-cased words of a Text value, following the word boundaries of Elasticsearch's
 * standard analyzer closely enough for list filters: hyphens, spaces and most punctuation split
 * words; a dot or apostrophe inside a word or number does not.
 */
export function textTokens(text: string): string[] {
  const cached = tokenCache.get(text);
  if (cached) return cached;
  const chars = Array.from(text.toLowerCase());
  const tokens: string[] = [];
  let current = '';
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (isIdeograph(c)) {
      if (current) tokens.push(current);
      tokens.push(c);
      current = '';
    } else if (isWordChar(c)) {
      current += c;
    } else {
      const prev = chars[i - 1] ?? '';
      const next = chars[i + 1] ?? '';
      const joins =
        current !== '' &&
        !isIdeograph(next) &&
        ((JOINS_LETTERS.has(c) && isLetter(prev) && isLetter(next)) ||
          (JOINS_DIGITS.has(c) && isDigit(prev) && isDigit(next)));
      if (joins) {
        current += c;
      } else if (current) {
        tokens.push(current);
        current = '';
      }
    }
  }
  if (current) tokens.push(current);
  if (tokenCache.size >= CACHE_LIMIT) tokenCache.clear();
  tokenCache.set(text, tokens);
  return tokens;
}

/** Status names as the server stores them; 'Unspecified' is valid in a query but no run has it. */
export type QueryableStatus = ExecutionStatus | 'Unspecified';

const STATUS_BY_NUMBER: QueryableStatus[] = ['Unspecified', ...EXECUTION_STATUSES];
const STATUS_BY_NAME = new Map<string, QueryableStatus>();
for (const status of STATUS_BY_NUMBER) {
  STATUS_BY_NAME.set(status, status);
  const enumName = status.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
  STATUS_BY_NAME.set(`WORKFLOW_EXECUTION_STATUS_${enumName}`, status);
}

/**
 * ExecutionStatus as written in a query: its name ('Running'), its protobuf enum name
 * ('WORKFLOW_EXECUTION_STATUS_RUNNING') or its enum number (1), as a real server accepts.
 */
export function executionStatusFromQuery(value: string | number): QueryableStatus | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? STATUS_BY_NUMBER[value] : undefined;
  return STATUS_BY_NAME.get(value);
}
