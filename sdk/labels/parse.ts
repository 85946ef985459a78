/**
 * The parser of Kubernetes' label selector syntax:
 *
 *   selector    ::= '' | requirement (',' requirement)*
 *   requirement ::= ['!'] key
 *                 | key ('=' | '==' | '!=' | '<' | '>') value
 *                 | key ('in' | 'notin') '(' value (',' value)* ')'
 *
 * Whitespace is allowed around every token, as kubectl allows. Keys and values are
 * validated with Kubernetes' rules; errors name the position (0-based, in
 * characters) and what was expected there, and quote the selector, its keys and
 * values only up to a prefix when they are long.
 */
import { ApiError } from '../errors.js';
import { maxEchoedChars, quoteRaw, truncate } from '../truncate.js';
import {
  fromRequirements,
  newRequirement,
  type Operator,
  type Requirement,
  requirementErrors,
  type Selector,
} from './selector.js';

type TokenKind = 'identifier' | 'end' | '!' | '!=' | '=' | '==' | '(' | ')' | ',' | '<' | '>';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly pos: number;
}

const specialChars = '=!(),<>';
/** Longest first: the lexer takes the longest symbol that matches. */
const symbols: readonly TokenKind[] = ['!=', '==', '!', '=', '(', ')', ',', '<', '>'];

function isWhitespace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i] ?? '';
    if (isWhitespace(ch)) {
      i++;
      continue;
    }
    if (specialChars.includes(ch)) {
      const symbol = symbols.find((s) => input.startsWith(s, i)) ?? '!';
      tokens.push({ kind: symbol, text: symbol, pos: i });
      i += symbol.length;
      continue;
    }
    const start = i;
    while (i < input.length && !isWhitespace(input[i] ?? '') && !specialChars.includes(input[i] ?? '')) i++;
    tokens.push({ kind: 'identifier', text: input.slice(start, i), pos: start });
  }
  tokens.push({ kind: 'end', text: '', pos: input.length });
  return tokens;
}

function describe(token: Token): string {
  return token.kind === 'end' ? 'end of string' : `'${truncate(token.text, maxEchoedChars)}'`;
}

class Parser {
  private next = 0;

  constructor(
    private readonly input: string,
    private readonly tokens: readonly Token[],
  ) {}

  parse(): Selector {
    const requirements: Requirement[] = [];
    if (this.peek().kind === 'end') return fromRequirements(requirements);
    for (;;) {
      const start = this.peek();
      if (start.kind !== 'identifier' && start.kind !== '!') this.fail(start, "'!' or a label key");
      requirements.push(this.requirement());
      const after = this.take();
      if (after.kind === 'end') return fromRequirements(requirements);
      if (after.kind !== ',') this.fail(after, "',' or end of string");
    }
  }

  private requirement(): Requirement {
    const first = this.take();
    const negated = first.kind === '!';
    const keyToken = negated ? this.take() : first;
    if (keyToken.kind !== 'identifier') this.fail(keyToken, 'a label key');
    const key = keyToken.text;
    const following = this.peek();
    if (negated || following.kind === 'end' || following.kind === ',') {
      return this.build(keyToken, key, negated ? 'DoesNotExist' : 'Exists', []);
    }
    const opToken = this.take();
    const operator = this.operator(opToken);
    if (operator === 'In' || operator === 'NotIn')
      return this.build(keyToken, key, operator, this.valueSet());
    return this.build(keyToken, key, operator, [this.exactValue()]);
  }

  private operator(token: Token): Operator {
    switch (token.kind) {
      case '=':
      case '==':
        return 'Equals';
      case '!=':
        return 'NotEquals';
      case '<':
        return 'LessThan';
      case '>':
        return 'GreaterThan';
      case 'identifier':
        if (token.text === 'in') return 'In';
        if (token.text === 'notin') return 'NotIn';
        break;
      default:
        break;
    }
    return this.fail(token, "an operator: '=', '==', '!=', 'in', 'notin', '<' or '>'");
  }

  /** After `=`, `==`, `!=`, `<`, `>`: one value, possibly empty (`tier=`). */
  private exactValue(): string {
    const token = this.peek();
    if (token.kind === 'end' || token.kind === ',') return '';
    this.take();
    if (token.kind !== 'identifier') this.fail(token, 'a label value');
    return token.text;
  }

  /** `(a, b, c)`; as in Kubernetes, an empty item (`()`, `(a,,b)`) is the empty value. */
  private valueSet(): string[] {
    const open = this.take();
    if (open.kind !== '(') this.fail(open, "'('");
    const values: string[] = [];
    let expectValue = true;
    for (;;) {
      const token = this.take();
      if (token.kind === ')') {
        if (expectValue) values.push('');
        return values;
      }
      if (token.kind === ',') {
        if (expectValue) values.push('');
        expectValue = true;
        continue;
      }
      if (token.kind === 'identifier' && expectValue) {
        values.push(token.text);
        expectValue = false;
        continue;
      }
      this.fail(token, expectValue ? "a label value, ',' or ')'" : "',' or ')'");
    }
  }

  private build(keyToken: Token, key: string, operator: Operator, values: string[]): Requirement {
    const errs = requirementErrors(key, operator, values);
    if (errs.length > 0) throw this.error(keyToken.pos, errs.join('; '));
    return newRequirement(key, operator, values);
  }

  private peek(): Token {
    return this.tokens[this.next] ?? this.tokens[this.tokens.length - 1]!;
  }

  private take(): Token {
    const token = this.peek();
    if (this.next < this.tokens.length - 1) this.next++;
    return token;
  }

  private fail(token: Token, expected: string): never {
    throw this.error(token.pos, `found ${describe(token)}, expected ${expected}`);
  }

  private error(pos: number, detail: string): ApiError {
    return ApiError.invalid(`invalid label selector ${quoteRaw(this.input)}: at position ${pos}: ${detail}`);
  }
}

/**
 * Parses a label selector such as `app=web,tier in (frontend, cache),!canary`.
 * The empty string selects everything. Throws an INVALID_ARGUMENT ApiError.
 */
export function parse(input: string): Selector {
  return new Parser(input, lex(input)).parse();
}
