import { describe, expect, it } from 'vitest';
import { compileCron, cronMatchesDay, cronProblem, cronSubMinuteFiring } from '../../src/time/cron.js';

describe('cronProblem', () => {
  it('accepts what node-cron accepts', () => {
    for (const expression of [
      '0 10 * * MON',
      '*/15 9-17 * * 1-5',
      '0 0 L * *',
      '0 9 15W * *',
      '0 9 * * 5L',
      '@daily',
      '*/30 * * * * *',
    ]) {
      expect(cronProblem(expression), expression).toBeNull();
    }
  });

  it('says which field is wrong', () => {
    expect(cronProblem('61 * * * *')).toBe('invalid minute field "61"');
    expect(cronProblem('0 10 * * FUNDAY')).toBe('invalid day of week field "FUNDAY"');
    expect(cronProblem('0 10 * *')).toBe('expected 5 or 6 fields but got 4');
    expect(cronProblem('0 0 31 2 *')).toBe('31 2 is an impossible day of month for the given month');
  });
});

describe('cronSubMinuteFiring', () => {
  it('says how often a seconds field makes an expression fire within a minute', () => {
    expect(cronSubMinuteFiring('* * * * * *')).toBe('fires 60 times a minute (seconds field "*")');
    expect(cronSubMinuteFiring(' */30 * * * * *')).toBe('fires 2 times a minute (seconds field "*/30")');
  });

  it('finds nothing to say of five fields, nicknames and one fixed second', () => {
    for (const expression of ['* * * * *', '0 10 * * MON', '@daily', '0 */5 * * * *', '*/60 * * * * *']) {
      expect(cronSubMinuteFiring(expression), expression).toBeNull();
    }
  });
});

describe('cronMatchesDay', () => {
  const matchingDays = (expression: string, year: number, month: number) =>
    Array.from({ length: 31 }, (_, i) => i + 1).filter((day) => {
      const valid = new Date(Date.UTC(year, month - 1, day)).getUTCMonth() === month - 1;
      return valid && cronMatchesDay(compileCron(expression), year, month, day);
    });

  it('requires both the day of month and the day of week, as node-cron does', () => {
    // November 2026: Mondays are 2, 9, 16, 23, 30.
    expect(matchingDays('0 9 1-10 * MON', 2026, 11)).toEqual([2, 9]);
  });

  it('reads the last day, days before it, the nearest weekday and the last or nth weekday', () => {
    expect(matchingDays('0 9 L * *', 2028, 2)).toEqual([29]);
    expect(matchingDays('0 9 L-2 * *', 2026, 11)).toEqual([28]);
    // 2026-11-15 is a Sunday: the nearest weekday is Monday the 16th; 2026-08-01 is a Saturday: Monday the 3rd.
    expect(matchingDays('0 9 15W * *', 2026, 11)).toEqual([16]);
    expect(matchingDays('0 9 1W * *', 2026, 8)).toEqual([3]);
    expect(matchingDays('0 9 * * 5L', 2026, 11)).toEqual([27]);
    expect(matchingDays('0 9 * * 1#2', 2026, 11)).toEqual([9]);
  });

  it('skips months the expression does not name', () => {
    expect(matchingDays('0 9 1 JAN,JUL *', 2026, 11)).toEqual([]);
    expect(matchingDays('0 9 1 JAN,JUL *', 2026, 7)).toEqual([1]);
  });
});
