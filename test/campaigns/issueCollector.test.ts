import { describe, expect, it } from 'vitest';
import { MAX_REPORTED_ISSUES } from '../../src/campaigns/errors.js';
import {
  describe as describeValue,
  IssueCollector,
  join,
  MAX_NAME_CHARS,
} from '../../src/campaigns/issueCollector.js';

describe('IssueCollector', () => {
  it(`keeps the first ${MAX_REPORTED_ISSUES} problems and counts the rest`, () => {
    const check = new IssueCollector();
    for (let i = 0; i < MAX_REPORTED_ISSUES + 5; i++) check.add(`offsets[${i}]`, 'bad');
    expect(check.issues).toHaveLength(MAX_REPORTED_ISSUES);
    expect(check.issues[0]).toEqual({ path: 'offsets[0]', message: 'bad' });
    expect(check.issues.at(-1)?.path).toBe(`offsets[${MAX_REPORTED_ISSUES - 1}]`);
    expect(check.omitted).toBe(5);
  });

  it('words an unexpected value as what was expected and what came', () => {
    const check = new IssueCollector();
    check.expected('kind', 'one of broadcast, reminder', 42);
    expect(check.issues).toEqual([{ path: 'kind', message: 'expected one of broadcast, reminder, got 42' }]);
  });

  describe('object', () => {
    it('returns the object and reports each unknown key, suggesting the field it likely meant', () => {
      const check = new IssueCollector();
      const value = { nmae: 1, kind: 2, Schedule: 3, totallyUnrelated: 4 };
      expect(check.object(value, '', ['name', 'kind', 'schedule'])).toBe(value);
      expect(check.issues).toEqual([
        { path: 'nmae', message: 'unknown field; did you mean "name"?' },
        { path: 'Schedule', message: 'unknown field; did you mean "schedule"?' },
        { path: 'totallyUnrelated', message: 'unknown field (allowed: name, kind, schedule)' },
      ]);
    });

    it('lists the allowed fields once per object, and points the later unknown keys at that list', () => {
      const check = new IssueCollector();
      check.object({ zzz: 1, yyyyyy: 2, xxxxxxx: 3 }, 'schedule', ['at', 'cron', 'timezone']);
      expect(check.issues).toEqual([
        { path: 'schedule.zzz', message: 'unknown field (allowed: at, cron, timezone)' },
        { path: 'schedule.yyyyyy', message: 'unknown field (allowed: as listed at schedule.zzz)' },
        { path: 'schedule.xxxxxxx', message: 'unknown field (allowed: as listed at schedule.zzz)' },
      ]);
    });

    it('names an unknown key by its whole path', () => {
      const check = new IssueCollector();
      check.object({ timezon: 'UTC' }, 'schedule', ['at', 'cron', 'timezone']);
      expect(check.issues).toEqual([
        { path: 'schedule.timezon', message: 'unknown field; did you mean "timezone"?' },
      ]);
    });

    it('returns null for anything but a plain object, naming the whole campaign when at the top', () => {
      const check = new IssueCollector();
      expect(check.object([1], 'schedule', ['at'])).toBeNull();
      expect(check.object(null, '', ['at'])).toBeNull();
      expect(check.object('text', 'sendWindow', ['from'])).toBeNull();
      expect(check.issues).toEqual([
        { path: 'schedule', message: 'expected an object, got an array' },
        { path: 'campaign', message: 'expected an object, got null' },
        { path: 'sendWindow', message: 'expected an object, got "text"' },
      ]);
    });

    it('counts unknown keys past the listed ones without listing them', () => {
      const check = new IssueCollector();
      const keys = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`junk${i}`, i]));
      check.object(keys, '', ['name']);
      expect(check.issues).toHaveLength(MAX_REPORTED_ISSUES);
      expect(check.omitted).toBe(1000 - MAX_REPORTED_ISSUES);
    });
  });

  describe('text', () => {
    it('returns the text trimmed', () => {
      expect(new IssueCollector().text('name', '  Осень  ')).toBe('Осень');
    });

    it(`refuses blank text, other types and text over the limit (${MAX_NAME_CHARS} by default)`, () => {
      const check = new IssueCollector();
      expect(check.text('name', '   ')).toBeNull();
      expect(check.text('name', 5)).toBeNull();
      expect(check.text('name', 'x'.repeat(MAX_NAME_CHARS + 1))).toBeNull();
      expect(check.text('name', ` ${'x'.repeat(MAX_NAME_CHARS)} `)).toBe('x'.repeat(MAX_NAME_CHARS));
      expect(check.text('code', 'abcd', 'a short code', 3)).toBeNull();
      expect(check.issues).toEqual([
        { path: 'name', message: 'expected a non-empty string, got "   "' },
        { path: 'name', message: 'expected a non-empty string, got 5' },
        {
          path: 'name',
          message: `is ${MAX_NAME_CHARS + 1} characters long; at most ${MAX_NAME_CHARS} are allowed`,
        },
        { path: 'code', message: 'is 4 characters long; at most 3 are allowed' },
      ]);
    });
  });

  it('oneOf takes only an allowed value, exactly as written', () => {
    const check = new IssueCollector();
    expect(check.oneOf('kind', 'reminder', ['broadcast', 'reminder'])).toBe('reminder');
    expect(check.oneOf('kind', 'Broadcast', ['broadcast', 'reminder'])).toBeNull();
    expect(check.issues).toEqual([
      { path: 'kind', message: 'expected one of broadcast, reminder, got "Broadcast"' },
    ]);
  });

  it('timeZone tells an absent zone (null) from a wrong one (false, reported)', () => {
    const check = new IssueCollector();
    expect(check.timeZone('timezone', undefined)).toBeNull();
    expect(check.timeZone('timezone', 'Europe/Moscow')).toBe('Europe/Moscow');
    expect(check.timeZone('timezone', 'MSK')).toBe(false);
    expect(check.timeZone('timezone', 3)).toBe(false);
    expect(check.issues).toEqual([
      { path: 'timezone', message: '"MSK" is not an IANA time zone such as "Europe/Moscow"' },
      { path: 'timezone', message: '3 is not an IANA time zone such as "Europe/Moscow"' },
    ]);
  });

  it('boolean falls back when absent or wrong, reporting only the wrong', () => {
    const check = new IssueCollector();
    expect(check.boolean('optIn', undefined, true)).toBe(true);
    expect(check.boolean('optIn', false, true)).toBe(false);
    expect(check.boolean('optIn', 'yes', true)).toBe(true);
    expect(check.issues).toEqual([{ path: 'optIn', message: 'expected true or false, got "yes"' }]);
  });
});

describe('describe', () => {
  it('shows strings quoted and cut at 60 characters, and containers by kind', () => {
    expect(describeValue('ok')).toBe('"ok"');
    expect(describeValue('x'.repeat(60))).toBe(`"${'x'.repeat(60)}"`);
    expect(describeValue('x'.repeat(61))).toBe(`"${'x'.repeat(57)}..."`);
    expect([describeValue(undefined), describeValue(null), describeValue([1]), describeValue({})]).toEqual([
      'nothing',
      'null',
      'an array',
      'an object',
    ]);
    expect([describeValue(3), describeValue(true), describeValue(() => 1)]).toEqual([
      '3',
      'true',
      'function',
    ]);
  });
});

describe('join', () => {
  it('joins a field to its parent path with a dot, and stands alone at the top', () => {
    expect(join('', 'name')).toBe('name');
    expect(join('schedule', 'at')).toBe('schedule.at');
  });
});
