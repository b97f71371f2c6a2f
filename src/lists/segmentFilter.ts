import { BroadcasterError } from '../errors.js';

/**
 * The segment filter language: a small, safe language over a contact's fields, compiled to
 * parameterised SQL (segmentSql.ts) — never to SQL text built from what the user typed.
 *
 *   city = "Moscow" and (age >= 30 or tier in ("gold", "platinum"))
 *   consent = opted_in and timezone is not empty and not last_contacted within 7d
 *   name contains "анна" or phone startswith "7916"
 *
 * Fields: `name`, `phone`, `timezone`, `consent` (opted_in | opted_out | none), `opted_in_at`,
 * `opted_out_at`, `created_at`, `last_contacted` (with `within 30d`); any other name is an attribute
 * (a column of the contacts CSV; `quoted in backticks` when it has spaces). Operators: = != < <= > >=,
 * contains, startswith, in (…), is [not] empty; and, or, not, parentheses.
 */
export type SegmentFilter =
  | { kind: 'and' | 'or'; parts: SegmentFilter[] }
  | { kind: 'not'; part: SegmentFilter }
  | { kind: 'compare'; field: SegmentField; op: CompareOp; value: string | number }
  | { kind: 'in'; field: SegmentField; values: Array<string | number> }
  | { kind: 'empty'; field: SegmentField }
  | { kind: 'consent'; value: 'opted_in' | 'opted_out' | 'none' }
  | { kind: 'contactedWithin'; seconds: number };

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'contains' | 'startswith';

/** A column of the contact, or one of its attributes. */
export type SegmentField =
  | { column: 'name' | 'phone' | 'timezone' }
  | { time: 'opted_in_at' | 'opted_out_at' | 'created_at' }
  | { attribute: string };

/** A filter longer than this is refused before it is read: no input may make the parser work long. */
export const MAX_FILTER_LENGTH = 4000;
const MAX_CONDITIONS = 100;
const MAX_DEPTH = 20;
const MAX_IN_VALUES = 1000;

/** What is wrong with a filter, and where (1-based column). */
export class SegmentFilterError extends BroadcasterError {
  readonly column: number;

  constructor(message: string, column: number) {
    super('segment_filter_invalid', `${message} (column ${column})`, { column });
    this.column = column;
  }
}

type Token =
  | { type: 'word'; text: string; at: number }
  | { type: 'quoted'; text: string; at: number }
  | { type: 'string'; text: string; at: number }
  | { type: 'number'; value: number; at: number }
  | { type: 'duration'; seconds: number; at: number }
  | { type: 'op'; text: string; at: number }
  | { type: 'punct'; text: '(' | ')' | ','; at: number }
  | { type: 'end'; at: number };

const DURATION_UNITS: Record<string, number> = { m: 60, h: 3600, d: 86_400, w: 604_800 };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const at = () => i + 1;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = at();
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ type: 'punct', text: c, at: start });
      i++;
    } else if (c === '"' || c === "'" || c === '`') {
      let text = '';
      i++;
      while (i < source.length && source[i] !== c) {
        if (source[i] === '\\' && i + 1 < source.length) i++;
        text += source[i];
        i++;
      }
      if (i >= source.length) throw new SegmentFilterError(`a ${c}quoted${c} text is not closed`, start);
      i++;
      tokens.push({ type: c === '`' ? 'quoted' : 'string', text, at: start });
    } else if (/[=!<>]/.test(c)) {
      const two = source.slice(i, i + 2);
      const op = ['!=', '<=', '>=', '<>'].includes(two) ? two : c;
      if (op === '!') throw new SegmentFilterError('"!" is not an operator: write != for "is not"', start);
      tokens.push({ type: 'op', text: op === '<>' ? '!=' : op, at: start });
      i += op.length === 2 || op === '<>' ? 2 : 1;
    } else if (/[-\d]/.test(c)) {
      const match = /^-?\d+(?:\.\d+)?([mhdw])?(?![\p{L}\p{N}_])/u.exec(source.slice(i));
      if (!match) throw new SegmentFilterError(`"${source.slice(i, i + 12)}" is not a number`, start);
      const text = match[0];
      tokens.push(
        match[1]
          ? { type: 'duration', seconds: Number.parseFloat(text) * DURATION_UNITS[match[1]]!, at: start }
          : { type: 'number', value: Number(text), at: start },
      );
      i += text.length;
    } else {
      const match = /^[\p{L}_][\p{L}\p{N}_]*/u.exec(source.slice(i));
      if (!match) throw new SegmentFilterError(`unexpected "${c}"`, start);
      tokens.push({ type: 'word', text: match[0], at: start });
      i += match[0].length;
    }
  }
  tokens.push({ type: 'end', at: source.length + 1 });
  return tokens;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is', 'empty', 'contains', 'startswith', 'within']);
const COLUMNS = new Set(['name', 'phone', 'timezone']);
const TIMES = new Set(['opted_in_at', 'opted_out_at', 'created_at']);
const CONSENT_VALUES = new Set(['opted_in', 'opted_out', 'none']);

class Parser {
  #i = 0;
  #conditions = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): SegmentFilter {
    const filter = this.#or(0);
    const next = this.#peek();
    if (next.type !== 'end')
      throw new SegmentFilterError(`expected "and", "or" or the end, found ${describe(next)}`, next.at);
    return filter;
  }

  #peek(): Token {
    return this.tokens[this.#i]!;
  }

  #next(): Token {
    return this.tokens[this.#i++]!;
  }

  #isWord(token: Token, word: string): boolean {
    return token.type === 'word' && token.text.toLowerCase() === word;
  }

  #or(depth: number): SegmentFilter {
    const parts = [this.#and(depth)];
    while (this.#isWord(this.#peek(), 'or')) {
      this.#next();
      parts.push(this.#and(depth));
    }
    return parts.length === 1 ? parts[0]! : { kind: 'or', parts };
  }

  #and(depth: number): SegmentFilter {
    const parts = [this.#unary(depth)];
    while (this.#isWord(this.#peek(), 'and')) {
      this.#next();
      parts.push(this.#unary(depth));
    }
    return parts.length === 1 ? parts[0]! : { kind: 'and', parts };
  }

  #unary(depth: number): SegmentFilter {
    const token = this.#peek();
    if (depth > MAX_DEPTH) throw new SegmentFilterError(`nested deeper than ${MAX_DEPTH} levels`, token.at);
    if (this.#isWord(token, 'not')) {
      this.#next();
      return { kind: 'not', part: this.#unary(depth + 1) };
    }
    if (token.type === 'punct' && token.text === '(') {
      this.#next();
      const inner = this.#or(depth + 1);
      const close = this.#next();
      if (close.type !== 'punct' || close.text !== ')') {
        throw new SegmentFilterError(`expected ")", found ${describe(close)}`, close.at);
      }
      return inner;
    }
    return this.#condition();
  }

  #condition(): SegmentFilter {
    const fieldToken = this.#next();
    if (++this.#conditions > MAX_CONDITIONS) {
      throw new SegmentFilterError(`more than ${MAX_CONDITIONS} conditions`, fieldToken.at);
    }
    if (fieldToken.type !== 'word' && fieldToken.type !== 'quoted') {
      throw new SegmentFilterError(
        `expected a field such as city or consent, found ${describe(fieldToken)}`,
        fieldToken.at,
      );
    }
    const name = fieldToken.text;
    const lower = name.toLowerCase();
    if (fieldToken.type === 'word' && KEYWORDS.has(lower)) {
      throw new SegmentFilterError(`expected a field, found the word "${name}"`, fieldToken.at);
    }
    if (fieldToken.type === 'word' && lower === 'last_contacted') return this.#contacted(fieldToken.at);
    if (fieldToken.type === 'word' && lower === 'consent') return this.#consent(fieldToken.at);
    const field: SegmentField =
      fieldToken.type === 'word' && COLUMNS.has(lower)
        ? { column: lower as 'name' | 'phone' | 'timezone' }
        : fieldToken.type === 'word' && TIMES.has(lower)
          ? { time: lower as 'opted_in_at' | 'opted_out_at' | 'created_at' }
          : { attribute: name };
    const op = this.#next();
    if (this.#isWord(op, 'is')) {
      const negated = this.#isWord(this.#peek(), 'not');
      if (negated) this.#next();
      const empty = this.#next();
      if (!this.#isWord(empty, 'empty'))
        throw new SegmentFilterError(`expected "empty", found ${describe(empty)}`, empty.at);
      const condition: SegmentFilter = { kind: 'empty', field };
      return negated ? { kind: 'not', part: condition } : condition;
    }
    if (this.#isWord(op, 'not')) {
      const inWord = this.#next();
      if (!this.#isWord(inWord, 'in'))
        throw new SegmentFilterError(`expected "in" after "not", found ${describe(inWord)}`, inWord.at);
      return { kind: 'not', part: { kind: 'in', field, values: this.#list(field) } };
    }
    if (this.#isWord(op, 'in')) return { kind: 'in', field, values: this.#list(field) };
    const compareOp =
      op.type === 'op'
        ? (op.text as CompareOp)
        : this.#isWord(op, 'contains')
          ? 'contains'
          : this.#isWord(op, 'startswith')
            ? 'startswith'
            : null;
    if (compareOp === null) {
      throw new SegmentFilterError(
        `expected an operator (=, !=, <, <=, >, >=, contains, startswith, in, is empty) after ${name}, found ${describe(op)}`,
        op.at,
      );
    }
    const textOnly = compareOp === 'contains' || compareOp === 'startswith';
    if (textOnly && 'time' in field)
      throw new SegmentFilterError(`${name} is a time: compare it with < or >`, op.at);
    const value = this.#literal(field);
    if (textOnly && typeof value !== 'string')
      throw new SegmentFilterError(`${compareOp} takes a "text"`, op.at);
    return { kind: 'compare', field, op: compareOp, value };
  }

  #literal(field: SegmentField): string | number {
    const token = this.#next();
    if (token.type === 'string') {
      if ('time' in field && Number.isNaN(Date.parse(token.text))) {
        throw new SegmentFilterError(`"${token.text}" is not a date such as "2026-01-31"`, token.at);
      }
      return token.text;
    }
    if (token.type === 'number' && !('time' in field)) return token.value;
    throw new SegmentFilterError(
      'time' in field
        ? `expected a date in quotes, found ${describe(token)}`
        : `expected a "text" or a number, found ${describe(token)}`,
      token.at,
    );
  }

  #list(field: SegmentField): Array<string | number> {
    const open = this.#next();
    if (open.type !== 'punct' || open.text !== '(')
      throw new SegmentFilterError(`expected "(", found ${describe(open)}`, open.at);
    const values = [this.#literal(field)];
    for (;;) {
      const token = this.#next();
      if (token.type === 'punct' && token.text === ')') return values;
      if (token.type !== 'punct' || token.text !== ',') {
        throw new SegmentFilterError(`expected "," or ")", found ${describe(token)}`, token.at);
      }
      if (values.length >= MAX_IN_VALUES)
        throw new SegmentFilterError(`more than ${MAX_IN_VALUES} values`, token.at);
      values.push(this.#literal(field));
    }
  }

  #consent(at: number): SegmentFilter {
    const op = this.#next();
    const value = this.#next();
    const text = value.type === 'word' || value.type === 'string' ? value.text.toLowerCase() : '';
    if (op.type !== 'op' || (op.text !== '=' && op.text !== '!=') || !CONSENT_VALUES.has(text)) {
      throw new SegmentFilterError('write consent = opted_in, opted_out or none (or !=)', at);
    }
    const condition: SegmentFilter = { kind: 'consent', value: text as 'opted_in' | 'opted_out' | 'none' };
    return op.text === '=' ? condition : { kind: 'not', part: condition };
  }

  #contacted(at: number): SegmentFilter {
    const within = this.#next();
    const duration = this.#next();
    if (!this.#isWord(within, 'within') || duration.type !== 'duration' || duration.seconds <= 0) {
      throw new SegmentFilterError('write last_contacted within 30d (m, h, d or w)', at);
    }
    return { kind: 'contactedWithin', seconds: duration.seconds };
  }
}

function describe(token: Token): string {
  switch (token.type) {
    case 'end':
      return 'the end';
    case 'number':
      return String(token.value);
    case 'duration':
      return 'a duration';
    case 'string':
      return `"${token.text}"`;
    default:
      return `"${token.text}"`;
  }
}

/** The filter a text means; a SegmentFilterError (with its column) when it is not one. */
export function parseSegmentFilter(source: string): SegmentFilter {
  if (source.length > MAX_FILTER_LENGTH) {
    throw new SegmentFilterError(`longer than ${MAX_FILTER_LENGTH} characters`, MAX_FILTER_LENGTH + 1);
  }
  if (source.trim() === '')
    throw new SegmentFilterError('empty: write a condition such as city = "Moscow"', 1);
  return new Parser(tokenize(source)).parse();
}
