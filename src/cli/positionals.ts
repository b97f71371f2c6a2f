import { UsageError } from './args.js';

/** `campaign show 12` → { name: 'show', rest: ['12'] }; a missing or unknown subcommand is a usage error. */
export function splitSubcommand<T extends string>(
  command: string,
  argv: string[],
  subcommands: readonly T[],
): { name: T; rest: string[] } {
  const [name, ...rest] = argv;
  if (name === undefined || name.startsWith('-')) {
    throw new UsageError(`${command} needs a subcommand: ${subcommands.join(', ')}`);
  }
  if (!(subcommands as readonly string[]).includes(name)) {
    throw new UsageError(`${command}: unknown subcommand "${name}" (one of ${subcommands.join(', ')})`);
  }
  return { name: name as T, rest };
}

/** Exactly the positional arguments named, e.g. ['ID'] or ['FILE']; more or fewer is a usage error. */
export function exactPositionals(usage: string, positionals: string[], names: readonly string[]): string[] {
  if (positionals.length < names.length) {
    throw new UsageError(`${usage}: missing ${names.slice(positionals.length).join(' ')}`);
  }
  if (positionals.length > names.length) {
    throw new UsageError(
      `${usage}: unexpected argument "${positionals[names.length]}" (takes ${names.join(' ') || 'none'})`,
    );
  }
  return positionals;
}

/** A database id given on the command line: a whole number from 1 up. */
export function idArgument(name: string, raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 2_147_483_647) {
    throw new UsageError(`${name} must be a positive whole number, got "${raw}"`);
  }
  return Number(raw);
}
