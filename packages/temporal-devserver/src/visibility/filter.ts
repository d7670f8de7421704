/**
 * Compiles a parsed condition into a predicate over runs.
 *
 * Missing values follow SQL: a comparison with an attribute the run does not have is unknown,
 * and unknown is not a match, even under NOT (only IS NULL matches a missing value). NOT is
 * pushed down to the comparisons, where a negated comparison is "the run has the attribute and
 * the comparison fails"; by De Morgan's laws this gives exactly SQL's three-valued result.
 *
 * A stored value that is an array (KeywordList, or any attribute as older SDKs send it) matches
 * a comparison when any of its elements does; != and NOT IN therefore mean "no element does".
 */
import { resolveAttribute, type AttributeBinding } from './attributes';
import { VisibilityQueryError, type SearchAttributeType, type VisibilityRecord } from './model';
import type { ComparisonOperator, Condition, Literal } from './syntax';
import {
  compareInstants,
  executionStatusFromQuery,
  instantFromEpochNanos,
  parseRfc3339,
  storedInstant,
  textTokens,
  type Instant,
} from './values';

export type Predicate = (record: VisibilityRecord) => boolean;
type ElementTest = (element: unknown) => boolean;

/** How the values of one family of attribute types are read from a run and ordered. */
export interface ValueKind<T> {
  read: (element: unknown) => T | undefined;
  compare: (a: T, b: T) => number;
}

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const STRING_KIND: ValueKind<string> = {
  read: (element) => (typeof element === 'string' ? element : undefined),
  compare: compareStrings,
};
const NUMBER_KIND: ValueKind<number> = {
  read: (element) =>
    typeof element === 'number' && !Number.isNaN(element)
      ? element
      : typeof element === 'bigint'
        ? Number(element)
        : undefined,
  compare: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
};
const BOOL_KIND: ValueKind<boolean> = {
  read: (element) => (typeof element === 'boolean' ? element : undefined),
  compare: (a, b) => Number(a) - Number(b),
};
const INSTANT_KIND: ValueKind<Instant> = { read: storedInstant, compare: compareInstants };

/** The value kind of every type except Text, which is matched by words and never ordered. */
export function valueKindOf(type: Exclude<SearchAttributeType, 'Text'>): ValueKind<unknown> {
  switch (type) {
    case 'Keyword':
    case 'KeywordList':
      return STRING_KIND as ValueKind<unknown>;
    case 'Int':
    case 'Double':
      return NUMBER_KIND as ValueKind<unknown>;
    case 'Bool':
      return BOOL_KIND as ValueKind<unknown>;
    case 'Datetime':
      return INSTANT_KIND as ValueKind<unknown>;
  }
}

export function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);
}

function anyElement(value: unknown, test: ElementTest): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) {
    for (const element of value) if (test(element)) return true;
    return false;
  }
  return test(value);
}

type OperatorLabel =
  ComparisonOperator | 'IN' | 'NOT IN' | 'BETWEEN' | 'NOT BETWEEN' | 'STARTS_WITH' | 'NOT STARTS_WITH';

/** Which operators each type accepts, as on a real Temporal server. */
const OPERATORS_BY_TYPE: Record<SearchAttributeType, readonly OperatorLabel[]> = {
  Keyword: [
    '=',
    '!=',
    '<',
    '<=',
    '>',
    '>=',
    'IN',
    'NOT IN',
    'BETWEEN',
    'NOT BETWEEN',
    'STARTS_WITH',
    'NOT STARTS_WITH',
  ],
  KeywordList: ['=', '!=', 'IN', 'NOT IN'],
  Text: ['=', '!='],
  Int: ['=', '!=', '<', '<=', '>', '>=', 'IN', 'NOT IN', 'BETWEEN', 'NOT BETWEEN'],
  Double: ['=', '!=', '<', '<=', '>', '>=', 'IN', 'NOT IN', 'BETWEEN', 'NOT BETWEEN'],
  Datetime: ['=', '!=', '<', '<=', '>', '>=', 'IN', 'NOT IN', 'BETWEEN', 'NOT BETWEEN'],
  Bool: ['=', '!=', '<', '<=', '>', '>=', 'IN', 'NOT IN'],
};

function checkOperator(binding: AttributeBinding, operator: OperatorLabel, pos: number): void {
  const allowed = OPERATORS_BY_TYPE[binding.type];
  if (!allowed.includes(operator)) {
    throw new VisibilityQueryError(
      `operator ${operator} cannot be used with search attribute "${binding.name}" of type ${binding.type} ` +
        `(${binding.type} supports ${allowed.join(', ')})`,
      pos,
    );
  }
}

function describeLiteral(literal: Literal): string {
  switch (literal.kind) {
    case 'string':
      return `string ${literal.raw}`;
    case 'number':
      return `number ${literal.text}`;
    case 'bool':
      return `boolean ${literal.value ? 'TRUE' : 'FALSE'}`;
  }
}

function typeMismatch(binding: AttributeBinding, literal: Literal, expected: string): VisibilityQueryError {
  return new VisibilityQueryError(
    `search attribute "${binding.name}" of type ${binding.type} cannot be compared with ${describeLiteral(literal)} ` +
      `(expected ${expected})`,
    literal.pos,
  );
}

/** A literal converted to the kind of value the attribute holds. */
function queryValue(binding: AttributeBinding, literal: Literal): unknown {
  switch (binding.type) {
    case 'Keyword':
    case 'KeywordList':
      if (binding.name === 'ExecutionStatus') return executionStatusValue(binding, literal);
      if (literal.kind !== 'string') throw typeMismatch(binding, literal, 'a string');
      return literal.value;
    case 'Text':
      if (literal.kind !== 'string') throw typeMismatch(binding, literal, 'a string');
      return literal.value;
    case 'Int':
    case 'Double':
      if (literal.kind !== 'number') throw typeMismatch(binding, literal, 'a number');
      return literal.value;
    case 'Bool':
      if (literal.kind !== 'bool') throw typeMismatch(binding, literal, 'TRUE or FALSE');
      return literal.value;
    case 'Datetime':
      return instantValue(binding, literal);
  }
}

function executionStatusValue(binding: AttributeBinding, literal: Literal): string {
  const status =
    literal.kind === 'string' || (literal.kind === 'number' && literal.isInteger)
      ? executionStatusFromQuery(literal.value)
      : undefined;
  if (status === undefined) {
    throw new VisibilityQueryError(
      `invalid ExecutionStatus value ${literal.kind === 'string' ? literal.raw : describeLiteral(literal)} ` +
        '(expected Running, Completed, Failed, Canceled, Terminated, ContinuedAsNew or TimedOut)',
      literal.pos,
    );
  }
  return status;
}

function instantValue(binding: AttributeBinding, literal: Literal): Instant {
  if (literal.kind === 'number' && literal.isInteger) return instantFromEpochNanos(literal.text);
  if (literal.kind !== 'string') {
    throw typeMismatch(binding, literal, 'an RFC 3339 time string or integer epoch nanoseconds');
  }
  const instant = parseRfc3339(literal.value);
  if (!instant) {
    throw new VisibilityQueryError(
      `invalid time ${literal.raw} for search attribute "${binding.name}" ` +
        "(expected RFC 3339, such as '2024-05-01T09:30:00Z' or '2024-05-01T11:30:00.5+02:00')",
      literal.pos,
    );
  }
  return instant;
}

const OPERATOR_HOLDS: Record<Exclude<ComparisonOperator, '!='>, (order: number) => boolean> = {
  '=': (order) => order === 0,
  '<': (order) => order < 0,
  '<=': (order) => order <= 0,
  '>': (order) => order > 0,
  '>=': (order) => order >= 0,
};

/** A comparison with every element of a stored value, with != compiled as a negated =. */
function comparisonTest(
  binding: AttributeBinding,
  operator: Exclude<ComparisonOperator, '!='>,
  literal: Literal,
): ElementTest {
  const value = queryValue(binding, literal);
  if (binding.type === 'Text') {
    const words = new Set(textTokens(value as string));
    if (words.size === 0) {
      throw new VisibilityQueryError(
        `no words to match in ${describeLiteral(literal)} for Text search attribute "${binding.name}"`,
        literal.pos,
      );
    }
    // Any shared word is a match, as with Elasticsearch's match query that Temporal's docs describe.
    return (element) => typeof element === 'string' && textTokens(element).some((word) => words.has(word));
  }
  if (operator === '=' && typeof value === 'string') return (element) => element === value;
  const kind = valueKindOf(binding.type);
  const holds = OPERATOR_HOLDS[operator];
  return (element) => {
    const stored = kind.read(element);
    return stored !== undefined && holds(kind.compare(stored, value));
  };
}

function inListTest(binding: AttributeBinding, literals: Literal[]): ElementTest {
  const values = literals.map((literal) => queryValue(binding, literal));
  if (binding.type === 'Keyword' || binding.type === 'KeywordList') {
    const set = new Set(values as string[]);
    return (element) => typeof element === 'string' && set.has(element);
  }
  const kind = valueKindOf(binding.type as Exclude<SearchAttributeType, 'Text'>);
  return (element) => {
    const stored = kind.read(element);
    return stored !== undefined && values.some((value) => kind.compare(stored, value) === 0);
  };
}

function betweenTest(binding: AttributeBinding, lowLiteral: Literal, highLiteral: Literal): ElementTest {
  const low = queryValue(binding, lowLiteral);
  const high = queryValue(binding, highLiteral);
  const kind = valueKindOf(binding.type as Exclude<SearchAttributeType, 'Text'>);
  return (element) => {
    const stored = kind.read(element);
    return stored !== undefined && kind.compare(stored, low) >= 0 && kind.compare(stored, high) <= 0;
  };
}

function startsWithTest(binding: AttributeBinding, literal: Literal): ElementTest {
  const prefix = queryValue(binding, literal) as string;
  return (element) => typeof element === 'string' && element.startsWith(prefix);
}

function valueTest(read: AttributeBinding['read'], test: ElementTest, negate: boolean): Predicate {
  if (!negate) return (record) => anyElement(read(record), test);
  return (record) => {
    const value = read(record);
    return isPresent(value) && !anyElement(value, test);
  };
}

function allOf(predicates: Predicate[]): Predicate {
  if (predicates.length === 2) {
    const [first, second] = predicates;
    return (record) => first(record) && second(record);
  }
  return (record) => predicates.every((predicate) => predicate(record));
}

function anyOf(predicates: Predicate[]): Predicate {
  if (predicates.length === 2) {
    const [first, second] = predicates;
    return (record) => first(record) || second(record);
  }
  return (record) => predicates.some((predicate) => predicate(record));
}

/** Compiles a condition; `negate` is true under an odd number of NOTs. */
export function compileCondition(
  condition: Condition,
  customAttributes: Record<string, SearchAttributeType>,
  negate = false,
): Predicate {
  switch (condition.kind) {
    case 'and':
    case 'or': {
      const operands = condition.operands.map((operand) => compileCondition(operand, customAttributes, negate));
      // NOT (a AND b) = NOT a OR NOT b, and the reverse.
      return (condition.kind === 'and') !== negate ? allOf(operands) : anyOf(operands);
    }
    case 'not':
      return compileCondition(condition.operand, customAttributes, !negate);
    case 'isNull': {
      const { read } = resolveAttribute(condition.attribute, customAttributes);
      return condition.negated !== negate ? (record) => isPresent(read(record)) : (record) => !isPresent(read(record));
    }
    case 'compare': {
      const binding = resolveAttribute(condition.attribute, customAttributes);
      checkOperator(binding, condition.operator, condition.operatorPos);
      const isNotEqual = condition.operator === '!=';
      const operator = isNotEqual ? '=' : (condition.operator as Exclude<ComparisonOperator, '!='>);
      return valueTest(binding.read, comparisonTest(binding, operator, condition.value), isNotEqual !== negate);
    }
    case 'in': {
      const binding = resolveAttribute(condition.attribute, customAttributes);
      checkOperator(binding, condition.negated ? 'NOT IN' : 'IN', condition.operatorPos);
      return valueTest(binding.read, inListTest(binding, condition.values), condition.negated !== negate);
    }
    case 'between': {
      const binding = resolveAttribute(condition.attribute, customAttributes);
      checkOperator(binding, condition.negated ? 'NOT BETWEEN' : 'BETWEEN', condition.operatorPos);
      return valueTest(binding.read, betweenTest(binding, condition.low, condition.high), condition.negated !== negate);
    }
    case 'startsWith': {
      const binding = resolveAttribute(condition.attribute, customAttributes);
      checkOperator(binding, condition.negated ? 'NOT STARTS_WITH' : 'STARTS_WITH', condition.operatorPos);
      return valueTest(binding.read, startsWithTest(binding, condition.prefix), condition.negated !== negate);
    }
  }
}
