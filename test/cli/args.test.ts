import { describe, expect, it } from 'vitest';
import {
  choiceOption,
  integerOption,
  numberOption,
  parseCommandArgs,
  UsageError,
} from '../../src/cli/args.js';

function usageError(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a usage error');
}

describe('parseCommandArgs', () => {
  it("reads the command's options, the common --json and --help, and positionals", () => {
    expect(
      parseCommandArgs(['create', '--name', 'Осень', '--json', 'a.yaml'], { name: { type: 'string' } }),
    ).toEqual({
      values: { name: 'Осень', json: true },
      positionals: ['create', 'a.yaml'],
    });
    expect(parseCommandArgs(['-h'], {}).values).toEqual({ help: true });
    expect(
      parseCommandArgs(['--tag', 'a', '--tag', 'b'], { tag: { type: 'string', multiple: true } }).values,
    ).toEqual({ tag: ['a', 'b'] });
  });

  it('reads everything after -- as positionals', () => {
    expect(parseCommandArgs(['--', '--json'], {}).positionals).toEqual(['--json']);
  });

  it("refuses an unknown option or a missing value as a usage error, without node's hint", () => {
    const unknown = usageError(() => parseCommandArgs(['--nope'], {}));
    expect(unknown.code).toBe('usage');
    expect(unknown.message).toBe("Unknown option '--nope'");
    expect(usageError(() => parseCommandArgs(['--name'], { name: { type: 'string' } })).message).toBe(
      "Option '--name <value>' argument missing",
    );
    expect(usageError(() => parseCommandArgs(['--json=1'], {})).message).toBe(
      "Option '--json' does not take an argument",
    );
  });
});

describe('integerOption', () => {
  it('reads a whole number within the range, and nothing when absent', () => {
    expect(integerOption('limit', '10', { min: 1, max: 100 })).toBe(10);
    expect(integerOption('offset', '-5')).toBe(-5);
    expect(integerOption('limit', undefined, { min: 1 })).toBeUndefined();
  });

  it('names the option, what it expects and what it got', () => {
    expect(usageError(() => integerOption('limit', '1.5', { min: 1 })).message).toBe(
      '--limit expects a whole number >= 1, got "1.5"',
    );
    expect(usageError(() => integerOption('limit', '0', { min: 1, max: 100 })).message).toBe(
      '--limit expects a whole number >= 1 and <= 100, got "0"',
    );
    expect(usageError(() => integerOption('limit', 'abc')).message).toBe(
      '--limit expects a whole number, got "abc"',
    );
  });
});

describe('numberOption', () => {
  it('reads a finite number within the range', () => {
    expect(numberOption('rate', '0.5', { min: 0 })).toBe(0.5);
    expect(numberOption('rate', '1e2', { max: 100 })).toBe(100);
  });

  it('refuses empty text, infinity and a number out of range', () => {
    expect(usageError(() => numberOption('rate', '')).message).toBe('--rate expects a number, got ""');
    expect(usageError(() => numberOption('rate', 'Infinity')).message).toBe(
      '--rate expects a number, got "Infinity"',
    );
    expect(usageError(() => numberOption('rate', '1e3', { max: 100 })).message).toBe(
      '--rate expects a number <= 100, got "1e3"',
    );
  });
});

describe('choiceOption', () => {
  it('takes one of the choices, exactly as written', () => {
    expect(choiceOption('format', 'csv', ['csv', 'json'])).toBe('csv');
    expect(choiceOption('format', undefined, ['csv', 'json'])).toBeUndefined();
    expect(usageError(() => choiceOption('format', 'CSV', ['csv', 'json'])).message).toBe(
      '--format must be one of csv, json, got "CSV"',
    );
  });
});
