/**
 * Parses a list filter into a syntax tree. Only the shape is checked here; attribute names,
 * value types and which operator suits which type are checked when the tree is compiled.
 *
 * Grammar (keywords are case-insensitive, attribute names are not):
 *   query     := [condition] [GROUP BY name] [ORDER BY name [ASC|DESC] {, name [ASC|DESC]}]
 *   condition := and {OR and}
 *   and       := not {AND not}
 *   not       := NOT not | "(" condition ")" | predicate
 *   predicate := name (= | != | <> | < | <= | > | >=) value
 *              | name [NOT] IN "(" value {, value} ")"
 *              | name [NOT] BETWEEN value AND value
 *              | name [NOT] STARTS_WITH value
 *              | name IS [NOT] NULL
 */
import { describeToken, tokenize, type Token } from './lexer';
import { VisibilityQueryError } from './model';

export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

export interface AttributeName {
  name: string;
  pos: number;
}

export type Literal =
  | { kind: 'string'; value: string; raw: string; pos: number }
  /** `text` keeps the literal as written (with its sign) so integers beyond 2^53 stay exact. */
  | { kind: 'number'; value: number; text: string; isInteger: boolean; pos: number }
  | { kind: 'bool'; value: boolean; pos: number };

export type Condition =
  | { kind: 'and' | 'or'; operands: Condition[] }
  | { kind: 'not'; operand: Condition }
  | { kind: 'compare'; attribute: AttributeName; operator: ComparisonOperator; value: Literal; operatorPos: number }
  | { kind: 'in'; attribute: AttributeName; values: Literal[]; negated: boolean; operatorPos: number }
  | { kind: 'between'; attribute: AttributeName; low: Literal; high: Literal; negated: boolean; operatorPos: number }
  | { kind: 'startsWith'; attribute: AttributeName; prefix: Literal; negated: boolean; operatorPos: number }
  | { kind: 'isNull'; attribute: AttributeName; negated: boolean };

export interface OrderTerm {
  attribute: AttributeName;
  descending: boolean;
}

export interface ParsedQuery {
  where?: Condition;
  groupBy: AttributeName[];
  orderBy: OrderTerm[];
}

/** Words that cannot be a bare attribute name; such a name must be written in backticks. */
const RESERVED = new Set([
  'AND',
  'OR',
  'NOT',
  'IN',
  'BETWEEN',
  'IS',
  'NULL',
  'LIKE',
  'REGEXP',
  'RLIKE',
  'STARTS_WITH',
  'TRUE',
  'FALSE',
  'ORDER',
  'GROUP',
  'BY',
  'ASC',
  'DESC',
  'LIMIT',
  'HAVING',
  'SELECT',
  'FROM',
  'WHERE',
]);

const COMPARISON_OPERATORS = new Set<string>(['=', '!=', '<', '<=', '>', '>=']);

export function parseQuery(query: string): ParsedQuery {
  return new Parser(tokenize(query)).parseQuery();
}

class Parser {
  private index = 0;

  constructor(private readonly tokens: Token[]) {}

  parseQuery(): ParsedQuery {
    let where: Condition | undefined;
    if (!this.atClauseStart() && this.peek().kind !== 'end') {
      where = this.parseOr();
    }
    const groupBy = this.atKeyword('GROUP') ? this.parseGroupBy() : [];
    const orderBy = this.atKeyword('ORDER') ? this.parseOrderBy() : [];
    const next = this.peek();
    if (next.kind === 'word' && (next.upper === 'LIMIT' || next.upper === 'HAVING')) {
      throw new VisibilityQueryError(`${next.upper} is not supported`, next.pos);
    }
    if (next.kind === 'word' && next.upper === 'GROUP' && orderBy.length > 0) {
      throw new VisibilityQueryError('GROUP BY must come before ORDER BY', next.pos);
    }
    if (next.kind !== 'end') {
      const expected = where && groupBy.length === 0 && orderBy.length === 0 ? 'AND, OR, ORDER BY or' : '';
      throw new VisibilityQueryError(
        `expected ${expected ? `${expected} ` : ''}the end of the query, found ${describeToken(next)}`,
        next.pos,
      );
    }
    return { where, groupBy, orderBy };
  }

  private parseOr(): Condition {
    const operands = [this.parseAnd()];
    while (this.atKeyword('OR')) {
      this.index++;
      operands.push(this.parseAnd());
    }
    return operands.length === 1 ? operands[0] : { kind: 'or', operands };
  }

  private parseAnd(): Condition {
    const operands = [this.parseNot()];
    while (this.atKeyword('AND')) {
      this.index++;
      operands.push(this.parseNot());
    }
    return operands.length === 1 ? operands[0] : { kind: 'and', operands };
  }

  private parseNot(): Condition {
    if (this.atKeyword('NOT')) {
      this.index++;
      return { kind: 'not', operand: this.parseNot() };
    }
    const token = this.peek();
    if (token.kind === 'symbol' && token.text === '(') {
      this.index++;
      if (this.atSymbol(')')) {
        throw new VisibilityQueryError('expected a condition inside "()"', this.peek().pos);
      }
      const inner = this.parseOr();
      this.expectSymbol(
        ')',
        `expected ")" to close the "(" from position ${token.pos}, found ${describeToken(this.peek())}`,
      );
      return inner;
    }
    return this.parsePredicate();
  }

  private parsePredicate(): Condition {
    const attribute = this.parseAttributeName('a condition');
    const token = this.peek();
    if (token.kind === 'symbol' && COMPARISON_OPERATORS.has(token.text)) {
      this.index++;
      const operator = token.text as ComparisonOperator;
      return { kind: 'compare', attribute, operator, value: this.parseValue(operator), operatorPos: token.pos };
    }
    if (token.kind === 'symbol' && token.text === '(') {
      throw new VisibilityQueryError(`functions are not supported ("${attribute.name}(")`, attribute.pos);
    }
    if (token.kind === 'word') {
      if (token.upper === 'IS') return this.parseIsNull(attribute);
      let negated = false;
      let operatorToken = token;
      if (token.upper === 'NOT') {
        negated = true;
        this.index++;
        const next = this.peek();
        if (next.kind !== 'word' || !['IN', 'BETWEEN', 'STARTS_WITH', 'LIKE', 'REGEXP', 'RLIKE'].includes(next.upper)) {
          throw new VisibilityQueryError(
            `expected IN, BETWEEN or STARTS_WITH after NOT, found ${describeToken(next)}`,
            next.pos,
          );
        }
        operatorToken = next;
      }
      const name = negated ? `NOT ${operatorToken.upper}` : operatorToken.upper;
      switch (operatorToken.upper) {
        case 'IN':
          this.index++;
          return { kind: 'in', attribute, values: this.parseValueList(name), negated, operatorPos: token.pos };
        case 'BETWEEN': {
          this.index++;
          const low = this.parseValue(name);
          this.expectKeyword('AND', `expected AND between the bounds of ${name}, found ${describeToken(this.peek())}`);
          const high = this.parseValue('AND');
          return { kind: 'between', attribute, low, high, negated, operatorPos: token.pos };
        }
        case 'STARTS_WITH':
          this.index++;
          return { kind: 'startsWith', attribute, prefix: this.parseValue(name), negated, operatorPos: token.pos };
        case 'LIKE':
        case 'REGEXP':
        case 'RLIKE':
          throw new VisibilityQueryError(`operator ${name} is not supported`, token.pos);
      }
    }
    throw new VisibilityQueryError(
      `expected an operator after "${attribute.name}", found ${describeToken(token)}`,
      token.pos,
    );
  }

  private parseIsNull(attribute: AttributeName): Condition {
    this.index++;
    let negated = false;
    if (this.atKeyword('NOT')) {
      negated = true;
      this.index++;
    }
    const expected = negated ? 'IS NOT' : 'IS';
    this.expectKeyword('NULL', `expected NULL after ${expected}, found ${describeToken(this.peek())}`);
    return { kind: 'isNull', attribute, negated };
  }

  private parseValueList(operator: string): Literal[] {
    this.expectSymbol('(', `expected "(" after ${operator}, found ${describeToken(this.peek())}`);
    const values = [this.parseValue('(')];
    while (this.atSymbol(',')) {
      this.index++;
      values.push(this.parseValue(','));
    }
    this.expectSymbol(')', `expected "," or ")" in the ${operator} list, found ${describeToken(this.peek())}`);
    return values;
  }

  private parseValue(after: string): Literal {
    const token = this.peek();
    switch (token.kind) {
      case 'string':
        this.index++;
        return { kind: 'string', value: token.text, raw: token.raw, pos: token.pos };
      case 'number':
        this.index++;
        return numberLiteral(token.text, token.pos);
      case 'symbol':
        if (token.text === '-' || token.text === '+') {
          const next = this.tokens[this.index + 1];
          if (next.kind === 'number') {
            this.index += 2;
            return numberLiteral(token.text === '-' ? `-${next.text}` : next.text, token.pos);
          }
          throw new VisibilityQueryError(
            `expected a number after "${token.text}", found ${describeToken(next)}`,
            next.pos,
          );
        }
        break;
      case 'word': {
        if (token.upper === 'TRUE' || token.upper === 'FALSE') {
          this.index++;
          return { kind: 'bool', value: token.upper === 'TRUE', pos: token.pos };
        }
        if (token.upper === 'NULL') {
          throw new VisibilityQueryError('NULL is not a value (use IS NULL or IS NOT NULL)', token.pos);
        }
        const next = this.tokens[this.index + 1];
        if (next.kind === 'symbol' && next.text === '(') {
          throw new VisibilityQueryError(`functions are not supported ("${token.text}(")`, token.pos);
        }
        if (!RESERVED.has(token.upper)) {
          throw new VisibilityQueryError(
            `expected a value after "${after}", found "${token.text}" (quote it to compare with a string; ` +
              'an attribute cannot be compared with another attribute)',
            token.pos,
          );
        }
        break;
      }
      case 'quotedName':
        throw new VisibilityQueryError(
          `expected a value after "${after}", found attribute name \`${token.text}\` (strings take ' or ")`,
          token.pos,
        );
    }
    const found = token.kind === 'end' ? '' : `, found ${describeToken(token)}`;
    throw new VisibilityQueryError(`expected a value after "${after}"${found}`, token.pos);
  }

  private parseGroupBy(): AttributeName[] {
    this.index++;
    this.expectKeyword('BY', `expected BY after GROUP, found ${describeToken(this.peek())}`);
    const names = [this.parseAttributeName('GROUP BY')];
    while (this.atSymbol(',')) {
      this.index++;
      names.push(this.parseAttributeName('","'));
    }
    return names;
  }

  private parseOrderBy(): OrderTerm[] {
    this.index++;
    this.expectKeyword('BY', `expected BY after ORDER, found ${describeToken(this.peek())}`);
    const terms: OrderTerm[] = [];
    for (;;) {
      const attribute = this.parseAttributeName(terms.length === 0 ? 'ORDER BY' : '","');
      let descending = false;
      if (this.atKeyword('ASC')) {
        this.index++;
      } else if (this.atKeyword('DESC')) {
        this.index++;
        descending = true;
      }
      terms.push({ attribute, descending });
      if (!this.atSymbol(',')) return terms;
      this.index++;
    }
  }

  private parseAttributeName(context: string): AttributeName {
    const token = this.peek();
    if (token.kind === 'quotedName') {
      this.index++;
      return { name: token.text, pos: token.pos };
    }
    if (token.kind === 'word' && !RESERVED.has(token.upper)) {
      this.index++;
      return { name: token.text, pos: token.pos };
    }
    const where = context === 'a condition' ? 'to start a condition' : `after ${context}`;
    let hint = '';
    if (token.kind === 'string') hint = ' (attribute names are not quoted; use `backticks` if needed)';
    else if (token.kind === 'word')
      hint = ` (${token.upper} is a keyword; write \`${token.text}\` for an attribute of that name)`;
    const found = token.kind === 'end' ? '' : `, found ${describeToken(token)}`;
    throw new VisibilityQueryError(`expected a search attribute name ${where}${found}${hint}`, token.pos);
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private atKeyword(keyword: string): boolean {
    const token = this.peek();
    return token.kind === 'word' && token.upper === keyword;
  }

  private atSymbol(symbol: string): boolean {
    const token = this.peek();
    return token.kind === 'symbol' && token.text === symbol;
  }

  private atClauseStart(): boolean {
    return this.atKeyword('ORDER') || this.atKeyword('GROUP');
  }

  private expectKeyword(keyword: string, message: string): void {
    if (!this.atKeyword(keyword)) throw new VisibilityQueryError(message, this.peek().pos);
    this.index++;
  }

  private expectSymbol(symbol: string, message: string): void {
    if (!this.atSymbol(symbol)) throw new VisibilityQueryError(message, this.peek().pos);
    this.index++;
  }
}

function numberLiteral(text: string, pos: number): Literal {
  const isInteger = /^[-+]?\d+$/.test(text);
  return { kind: 'number', value: Number(text), text, isInteger, pos };
}
