#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { BroadcasterError, ConfigError } from '../errors.js';
import { UsageError } from './args.js';
import { COMMANDS, usage } from './commandTable.js';
import { createContext } from './context.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write('broadcaster: no command given (see broadcaster --help)\n');
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`broadcaster: unknown command "${name}" (see broadcaster --help)\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.help}\n`);
    return 0;
  }
  let runCleanups = async () => {};
  try {
    const created = createContext(command.logLevel);
    runCleanups = created.runCleanups;
    await command.run(rest, created.context);
    return 0;
  } catch (error) {
    process.stderr.write(`broadcaster ${name}: ${describeError(error)}\n`);
    return error instanceof UsageError ? 2 : 1;
  } finally {
    await runCleanups();
  }
}

/** One line a user can act on; never a stack trace, never a secret (our errors carry none). */
function describeError(error: unknown): string {
  if (error instanceof ConfigError) return `configuration: ${error.message}`;
  // One line whatever the message holds (a template's source, say): the contract is one line.
  if (error instanceof BroadcasterError) return error.message.replace(/\s*\n\s*/g, ' ');
  const message = error instanceof Error ? error.message : String(error);
  return `unexpected error: ${message.split('\n')[0]}`;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`broadcaster: ${describeError(error)}\n`);
    process.exit(1);
  },
);
