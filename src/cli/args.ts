import { parseArgs } from 'node:util';
import { BroadcasterError } from '../errors.js';

/** The command line was wrong: exit code 2 and the usage hint. */
export class UsageError extends BroadcasterError {
  constructor(message: string) {
    super('usage', message);
  }
}

export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

/** Options every command takes. */
export const COMMON_OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpec;

export function parseCommandArgs<T extends OptionSpec>(argv: string[], options: T) {
  try {
    return parseArgs({
      args: argv,
      options: { ...COMMON_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
}

type Range = { min?: number; max?: number };

export function integerOption(name: string, raw: string | undefined, range: Range = {}) {
  return rangedOption(name, raw, range, 'a whole number', (text) => /^-?\d+$/.test(text));
}

export function numberOption(name: string, raw: string | undefined, range: Range = {}) {
  return rangedOption(
    name,
    raw,
    range,
    'a number',
    (text) => text.trim() !== '' && Number.isFinite(Number(text)),
  );
}

/** A numeric option: its shape checked by `wellFormed`, its value by the range; the error names both. */
function rangedOption(
  name: string,
  raw: string | undefined,
  range: Range,
  expected: string,
  wellFormed: (text: string) => boolean,
): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  const inRange =
    (range.min === undefined || value >= range.min) && (range.max === undefined || value <= range.max);
  if (!wellFormed(raw) || !inRange) {
    const bounds = [
      range.min !== undefined && `>= ${range.min}`,
      range.max !== undefined && `<= ${range.max}`,
    ].filter(Boolean);
    throw new UsageError(
      `--${name} expects ${expected}${bounds.length ? ` ${bounds.join(' and ')}` : ''}, got "${raw}"`,
    );
  }
  return value;
}

export function choiceOption<T extends string>(
  name: string,
  raw: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (raw === undefined) return undefined;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}
