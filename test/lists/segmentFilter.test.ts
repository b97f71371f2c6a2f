import { describe, expect, it } from 'vitest';
import { MAX_FILTER_LENGTH, parseSegmentFilter, SegmentFilterError } from '../../src/lists/segmentFilter.js';

function refusal(source: string): SegmentFilterError {
  try {
    parseSegmentFilter(source);
  } catch (error) {
    if (error instanceof SegmentFilterError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(source)} to be refused`);
}

describe('parseSegmentFilter', () => {
  it('reads conditions joined by and/or with not and parentheses, and binds and tighter than or', () => {
    expect(parseSegmentFilter('city = "Moscow" and age >= 30 or not tier in ("gold", \'silver\')')).toEqual({
      kind: 'or',
      parts: [
        {
          kind: 'and',
          parts: [
            { kind: 'compare', field: { attribute: 'city' }, op: '=', value: 'Moscow' },
            { kind: 'compare', field: { attribute: 'age' }, op: '>=', value: 30 },
          ],
        },
        { kind: 'not', part: { kind: 'in', field: { attribute: 'tier' }, values: ['gold', 'silver'] } },
      ],
    });
  });

  it('knows the contact’s own fields, consent, times and last contact; any other name is an attribute', () => {
    expect(parseSegmentFilter('consent = opted_in')).toEqual({ kind: 'consent', value: 'opted_in' });
    expect(parseSegmentFilter('consent != opted_out')).toEqual({
      kind: 'not',
      part: { kind: 'consent', value: 'opted_out' },
    });
    expect(parseSegmentFilter('Timezone is not empty')).toEqual({
      kind: 'not',
      part: { kind: 'empty', field: { column: 'timezone' } },
    });
    expect(parseSegmentFilter('opted_in_at < "2026-01-01"')).toMatchObject({
      field: { time: 'opted_in_at' },
    });
    expect(parseSegmentFilter('last_contacted within 7d')).toEqual({
      kind: 'contactedWithin',
      seconds: 604_800,
    });
    expect(parseSegmentFilter('`last purchase` > "2026-10"')).toMatchObject({
      field: { attribute: 'last purchase' },
    });
    expect(parseSegmentFilter('Город = "Казань"')).toMatchObject({
      field: { attribute: 'Город' },
      value: 'Казань',
    });
    expect(parseSegmentFilter('name contains "анна" and phone startswith "7916"')).toMatchObject({
      kind: 'and',
    });
    expect(parseSegmentFilter('score <> -1.5')).toMatchObject({ op: '!=', value: -1.5 });
  });

  it.each([
    ['', /empty/, 1],
    ['city =', /expected a "text" or a number, found the end/, 7],
    ['city = "Moscow', /not closed/, 8],
    ['city ~ "x"', /unexpected "~"/, 6],
    ['city "x"', /expected an operator/, 6],
    ['(city = "x"', /expected "\)"/, 12],
    ['city = "x" city = "y"', /expected "and", "or" or the end/, 12],
    ['and = 1', /found the word "and"/, 1],
    ['consent = maybe', /consent = opted_in, opted_out or none/, 1],
    ['last_contacted within 7', /last_contacted within 30d/, 1],
    ['opted_in_at > "soon"', /not a date/, 15],
    ['opted_in_at contains "2026"', /is a time/, 13],
    ['age contains 5', /takes a "text"/, 5],
    ['city ! "x"', /write != /, 6],
    ['tier in "gold"', /expected "\("/, 9],
    ['tier in ("gold" "silver")', /expected "," or "\)"/, 17],
  ])('refuses %j, saying what and where', (source, message, column) => {
    const error = refusal(source);
    expect(error.message).toMatch(message);
    expect(error.column).toBe(column);
  });

  it('bounds its work: length, depth, conditions and values are limited', () => {
    expect(refusal('x'.repeat(MAX_FILTER_LENGTH + 1)).message).toMatch(/longer than/);
    expect(refusal(`${'('.repeat(30)}a = 1${')'.repeat(30)}`).message).toMatch(/nested deeper/);
    expect(refusal(Array.from({ length: 101 }, (_, i) => `a = ${i}`).join(' or ')).message).toMatch(
      /more than 100 conditions/,
    );
    expect(refusal(`a in (${Array.from({ length: 1001 }, (_, i) => i).join(',')})`).message).toMatch(
      /more than 1000 values/,
    );
    expect(refusal(`${'not '.repeat(25)}a = 1`).message).toMatch(/nested deeper/);
  });
});
