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

export function integerOption(
  name: string,
  raw: string | undefined,
  range: { min?: number; max?: number } = {},
) {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (
    !/^-?\d+$/.test(raw) ||
    (range.min !== undefined && value < range.min) ||
    (range.max !== undefined && value > range.max)
  ) {
    const bounds = [
      range.min !== undefined && `>= ${range.min}`,
      range.max !== undefined && `<= ${range.max}`,
    ].filter(Boolean);
    throw new UsageError(
      `--${name} expects a whole number${bounds.length ? ` ${bounds.join(' and ')}` : ''}, got "${raw}"`,
    );
  }
  return value;
}

export function numberOption(
  name: string,
  raw: string | undefined,
  range: { min?: number; max?: number } = {},
) {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (
    raw.trim() === '' ||
    !Number.isFinite(value) ||
    (range.min !== undefined && value < range.min) ||
    (range.max !== undefined && value > range.max)
  ) {
    const bounds = [
      range.min !== undefined && `>= ${range.min}`,
      range.max !== undefined && `<= ${range.max}`,
    ].filter(Boolean);
    throw new UsageError(
      `--${name} expects a number${bounds.length ? ` ${bounds.join(' and ')}` : ''}, got "${raw}"`,
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
