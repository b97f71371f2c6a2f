import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failureLine, runCli } from '../support/cli.js';

const COMMANDS = [
  'start',
  'migrate',
  'sandbox',
  'contacts',
  'lists',
  'appointments',
  'campaign',
  'report',
  'doctor',
  'demo',
];

describe('broadcaster (dispatch)', () => {
  it('says in one line on stderr that no command was given, and exits 2', async () => {
    const result = await runCli([]);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe('broadcaster: no command given (see broadcaster --help)\n');
    expect(result.stdout).toBe('');
  });

  it('lists every command with its summary for --help, -h and help, and exits 0', async () => {
    for (const flag of ['--help', '-h', 'help']) {
      const result = await runCli([flag]);

      expect(result.code).toBe(0);
      const listed = result.stdout.match(/^ {2}\S+/gm)?.map((name) => name.trim());
      expect(listed).toEqual(COMMANDS);
      expect(result.stdout).toContain('Every command takes --help (with examples) and --json.');
      expect(result.stdout).toMatch(
        /^ {4,}import \| list \| show \| export \| opt-out \| delete \| normalize$/m,
      );
    }
  });

  it('prints the package version for --version and -v', async () => {
    const { version } = JSON.parse(
      await readFile(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8'),
    );

    for (const flag of ['--version', '-v']) {
      const result = await runCli([flag]);
      expect(result).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });

  it('refuses an unknown command in one line on stderr, with exit code 2 and nothing on stdout', async () => {
    const result = await runCli(['--frobnicate']);

    expect(failureLine(result, 2)).toBe(
      'broadcaster: unknown command "--frobnicate" (see broadcaster --help)',
    );
    expect(result.stdout).toBe('');
  });

  it('prints a command’s help wherever -h comes, before reading the configuration', async () => {
    const result = await runCli(['report', '12', '-h'], { LOG_LEVEL: 'loud' });

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: broadcaster report/);
  });

  it('reports a bad configuration in one line naming the variable, with exit code 1', async () => {
    const line = failureLine(await runCli(['migrate'], { LOG_LEVEL: 'loud' }), 1);

    expect(line).toMatch(/^broadcaster migrate: configuration: LOG_LEVEL: /);
  });

  it('reports a usage mistake in one line prefixed with the command, with exit code 2', async () => {
    const line = failureLine(await runCli(['campaign', 'show', 'abc']), 2);

    expect(line).toBe('broadcaster campaign: ID must be a positive whole number, got "abc"');
  });
});
