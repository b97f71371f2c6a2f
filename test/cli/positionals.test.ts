import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { exactPositionals, idArgument, splitSubcommand } from '../../src/cli/positionals.js';

const SUBCOMMANDS = ['list', 'show', 'pause'] as const;

function usageError(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a usage error');
}

describe('splitSubcommand', () => {
  it('takes the first argument as the subcommand and passes on the rest', () => {
    expect(splitSubcommand('campaign', ['show', '12', '--json'], SUBCOMMANDS)).toEqual({
      name: 'show',
      rest: ['12', '--json'],
    });
  });

  it('asks for a subcommand, listing them, when there is none or an option comes first', () => {
    for (const argv of [[], ['--json', 'list']]) {
      expect(usageError(() => splitSubcommand('campaign', argv, SUBCOMMANDS)).message).toBe(
        'campaign needs a subcommand: list, show, pause',
      );
    }
  });

  it('names an unknown subcommand and the ones there are', () => {
    expect(usageError(() => splitSubcommand('campaign', ['delete', '3'], SUBCOMMANDS)).message).toBe(
      'campaign: unknown subcommand "delete" (one of list, show, pause)',
    );
  });
});

describe('exactPositionals', () => {
  it('gives back exactly the arguments named', () => {
    expect(exactPositionals('campaign show', ['12'], ['ID'])).toEqual(['12']);
    expect(exactPositionals('campaign list', [], [])).toEqual([]);
  });

  it('names what is missing', () => {
    expect(usageError(() => exactPositionals('report', [], ['ID', 'FILE'])).message).toBe(
      'report: missing ID FILE',
    );
    expect(usageError(() => exactPositionals('report', ['3'], ['ID', 'FILE'])).message).toBe(
      'report: missing FILE',
    );
  });

  it('names the first argument too many and what the command takes', () => {
    expect(usageError(() => exactPositionals('campaign show', ['1', '2', '3'], ['ID'])).message).toBe(
      'campaign show: unexpected argument "2" (takes ID)',
    );
    expect(usageError(() => exactPositionals('campaign list', ['x'], [])).message).toBe(
      'campaign list: unexpected argument "x" (takes none)',
    );
  });
});

describe('idArgument', () => {
  it('reads a whole number from 1 to the largest database integer', () => {
    expect(idArgument('ID', '1')).toBe(1);
    expect(idArgument('ID', '0042')).toBe(42);
    expect(idArgument('ID', '2147483647')).toBe(2_147_483_647);
  });

  it('refuses zero, signs, fractions, blanks and numbers past the database integer, quoting the input', () => {
    for (const raw of ['0', '-1', '+1', '1.5', '1e3', '', ' 1', '2147483648', 'abc']) {
      expect(usageError(() => idArgument('campaign ID', raw)).message).toBe(
        `campaign ID must be a positive whole number, got "${raw}"`,
      );
    }
  });
});
