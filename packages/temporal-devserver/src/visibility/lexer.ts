/** Splits a list filter into tokens, keeping each token's 1-based position for error messages. */
import { VisibilityQueryError } from './model';

export type SymbolText = '=' | '!=' | '<' | '<=' | '>' | '>=' | '(' | ')' | ',' | '-' | '+';

export type Token =
  /** A bare identifier: an attribute name or a keyword such as AND (`upper` is for keyword checks). */
  | { kind: 'word'; text: string; upper: string; pos: number }
  /** A backtick-quoted attribute name. */
  | { kind: 'quotedName'; text: string; pos: number }
  | { kind: 'string'; text: string; raw: string; pos: number }
  | { kind: 'number'; text: string; pos: number }
  | { kind: 'symbol'; text: SymbolText; pos: number }
  | { kind: 'end'; pos: number };

const isWordStart = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isWordPart = (c: string): boolean => isWordStart(c) || isDigit(c);
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';

/** MySQL's backslash escapes, which Temporal's SQL parser follows. */
const BACKSLASH_ESCAPES: Record<string, string> = {
  '0': '\0',
  b: '\b',
  n: '\n',
  r: '\r',
  t: '\t',
  Z: '\x1a',
  // LIKE wildcards keep their backslash, as in MySQL.
  '%': '\\%',
  _: '\\_',
};

/** Shows a piece of the query in a message, quoted and shortened. */
export function describeToken(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end of the query';
    case 'string':
      return `string ${token.raw.length > 40 ? `${token.raw.slice(0, 37)}...` : token.raw}`;
    case 'quotedName':
      return `\`${token.text}\``;
    default:
      return `"${token.text}"`;
  }
}

export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i];
    const pos = i + 1;
    if (isSpace(c)) {
      i++;
    } else if (isWordStart(c)) {
      let end = i + 1;
      while (end < query.length && isWordPart(query[end])) end++;
      const text = query.slice(i, end);
      tokens.push({ kind: 'word', text, upper: text.toUpperCase(), pos });
      i = end;
    } else if (isDigit(c) || (c === '.' && isDigit(query[i + 1] ?? ''))) {
      i = readNumber(query, i, tokens);
    } else if (c === "'" || c === '"') {
      i = readString(query, i, tokens);
    } else if (c === '`') {
      i = readQuotedName(query, i, tokens);
    } else {
      i = readSymbol(query, i, tokens);
    }
  }
  tokens.push({ kind: 'end', pos: query.length + 1 });
  return tokens;
}

function readNumber(query: string, start: number, tokens: Token[]): number {
  const match = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(query.slice(start));
  // The caller only calls here when a digit (or a dot before one) starts the token.
  const text = match ? match[0] : query[start];
  const end = start + text.length;
  if (end < query.length && (isWordPart(query[end]) || query[end] === '.')) {
    let badEnd = end;
    while (badEnd < query.length && (isWordPart(query[badEnd]) || query[badEnd] === '.')) badEnd++;
    throw new VisibilityQueryError(`invalid number "${query.slice(start, badEnd)}"`, start + 1);
  }
  tokens.push({ kind: 'number', text, pos: start + 1 });
  return end;
}

function readString(query: string, start: number, tokens: Token[]): number {
  const quote = query[start];
  let text = '';
  let i = start + 1;
  for (;;) {
    if (i >= query.length) {
      throw new VisibilityQueryError(`unterminated string opened by ${quote}`, start + 1);
    }
    const c = query[i];
    if (c === quote) {
      if (query[i + 1] === quote) {
        text += quote;
        i += 2;
        continue;
      }
      tokens.push({ kind: 'string', text, raw: query.slice(start, i + 1), pos: start + 1 });
      return i + 1;
    }
    if (c === '\\' && i + 1 < query.length) {
      const next = query[i + 1];
      text += BACKSLASH_ESCAPES[next] ?? next;
      i += 2;
      continue;
    }
    text += c;
    i++;
  }
}

function readQuotedName(query: string, start: number, tokens: Token[]): number {
  let text = '';
  let i = start + 1;
  for (;;) {
    if (i >= query.length) {
      throw new VisibilityQueryError('unterminated attribute name opened by `', start + 1);
    }
    if (query[i] === '`') {
      if (query[i + 1] === '`') {
        text += '`';
        i += 2;
        continue;
      }
      if (text === '') throw new VisibilityQueryError('empty attribute name ``', start + 1);
      tokens.push({ kind: 'quotedName', text, pos: start + 1 });
      return i + 1;
    }
    text += query[i];
    i++;
  }
}

const TWO_CHAR_SYMBOLS: Record<string, SymbolText> = { '!=': '!=', '<>': '!=', '<=': '<=', '>=': '>=' };
const ONE_CHAR_SYMBOLS: Record<string, SymbolText> = {
  '=': '=',
  '<': '<',
  '>': '>',
  '(': '(',
  ')': ')',
  ',': ',',
  '-': '-',
  '+': '+',
};

function readSymbol(query: string, start: number, tokens: Token[]): number {
  const pos = start + 1;
  const three = query.slice(start, start + 3);
  const two = query.slice(start, start + 2);
  if (three === '<=>') throw new VisibilityQueryError('operator <=> is not supported', pos);
  if (two === '==') throw new VisibilityQueryError('operator == is not supported (use =)', pos);
  if (two === '&&' || two === '||') {
    throw new VisibilityQueryError(`operator ${two} is not supported (use ${two === '&&' ? 'AND' : 'OR'})`, pos);
  }
  const twoChar = TWO_CHAR_SYMBOLS[two];
  if (twoChar) {
    tokens.push({ kind: 'symbol', text: twoChar, pos });
    return start + 2;
  }
  const oneChar = ONE_CHAR_SYMBOLS[query[start]];
  if (oneChar) {
    tokens.push({ kind: 'symbol', text: oneChar, pos });
    return start + 1;
  }
  const codePoint = String.fromCodePoint(query.codePointAt(start) ?? 0);
  throw new VisibilityQueryError(`unexpected character "${codePoint}"`, pos);
}
