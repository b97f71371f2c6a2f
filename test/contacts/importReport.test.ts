import { describe, expect, it } from 'vitest';
import {
  ImportReportBuilder,
  MAX_ERROR_VALUE_CHARS,
  MAX_REPORTED_ISSUES,
  shortValue,
} from '../../src/contacts/importReport.js';

describe('shortValue', () => {
  it(`keeps a value of up to ${MAX_ERROR_VALUE_CHARS} characters as it is`, () => {
    expect(shortValue('')).toBe('');
    expect(shortValue('x'.repeat(MAX_ERROR_VALUE_CHARS))).toBe('x'.repeat(MAX_ERROR_VALUE_CHARS));
  });

  it(`cuts a longer one to ${MAX_ERROR_VALUE_CHARS} characters ending in …`, () => {
    expect(shortValue('x'.repeat(MAX_ERROR_VALUE_CHARS + 1))).toBe(
      `${'x'.repeat(MAX_ERROR_VALUE_CHARS - 1)}…`,
    );
  });

  it('counts characters, not UTF-16 units, and never splits an emoji', () => {
    const emoji = '😀'.repeat(MAX_ERROR_VALUE_CHARS);
    expect(shortValue(emoji)).toBe(emoji);
    const cut = shortValue('😀'.repeat(MAX_ERROR_VALUE_CHARS + 1));
    expect(Array.from(cut)).toHaveLength(MAX_ERROR_VALUE_CHARS);
    expect(cut.endsWith('😀…')).toBe(true);
  });
});

describe('ImportReportBuilder', () => {
  it('counts each rejected row once however many problems it has, and shortens values', () => {
    const report = new ImportReportBuilder(7, 'the later row wins');
    report.countRow();
    report.countRow();
    report.reject([
      { line: 2, column: 'phone', value: '1'.repeat(500), reason: 'too long' },
      { line: 2, column: 'timezone', reason: 'bad' },
    ]);
    report.accept({ inserted: 1, updated: 0 });

    expect(report.build()).toEqual({
      importId: 7,
      rows: 2,
      inserted: 1,
      updated: 0,
      consentWithdrawn: 0,
      rejected: 1,
      warned: 0,
      repeated: 0,
      repeatRule: 'the later row wins',
      errorsTruncated: false,
      errors: [
        { line: 2, column: 'phone', value: `${'1'.repeat(MAX_ERROR_VALUE_CHARS - 1)}…`, reason: 'too long' },
        { line: 2, column: 'timezone', reason: 'bad' },
      ],
      warnings: [],
      warningsTruncated: false,
      repeats: [],
      repeatsTruncated: false,
    });
  });

  it('counts a row with warnings once, and every repeat of a key, each list cut at the same limit', () => {
    const report = new ImportReportBuilder(1, 'rule');
    report.warn([]);
    report.warn([
      { line: 3, column: 'timezone', value: 'Mars', reason: 'left out' },
      { line: 3, column: 'opted_in', value: 'maybe', reason: 'no consent recorded' },
    ]);
    for (let line = 2; line < MAX_REPORTED_ISSUES + 5; line++)
      report.repeat([{ line, key: 'k', earlierLine: 1 }]);

    const built = report.build();
    expect(built.warned).toBe(1);
    expect(built.warnings).toHaveLength(2);
    expect(built.repeated).toBe(MAX_REPORTED_ISSUES + 3);
    expect(built.repeats).toHaveLength(MAX_REPORTED_ISSUES);
    expect(built.repeatsTruncated).toBe(true);
    expect(built.warningsTruncated).toBe(false);
  });

  it(`keeps the first ${MAX_REPORTED_ISSUES} problems and says it left the rest out`, () => {
    const report = new ImportReportBuilder(1, 'rule');
    for (let line = 2; line < MAX_REPORTED_ISSUES + 12; line++) report.reject([{ line, reason: 'bad' }]);

    const built = report.build();
    expect(built.rejected).toBe(MAX_REPORTED_ISSUES + 10);
    expect(built.errors).toHaveLength(MAX_REPORTED_ISSUES);
    expect(built.errors.at(-1)?.line).toBe(MAX_REPORTED_ISSUES + 1);
    expect(built.errorsTruncated).toBe(true);
  });
});
