#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import type { LogLevel } from '../config/config.js';
import { BroadcasterError, ConfigError } from '../errors.js';
import { UsageError } from './args.js';
import { appointmentsCommand, appointmentsHelp } from './commands/appointments.js';
import { campaignCommand, campaignHelp } from './commands/campaign.js';
import { contactsCommand, contactsHelp } from './commands/contacts.js';
import { demoCommand, demoHelp } from './commands/demo.js';
import { doctorCommand, doctorHelp } from './commands/doctor.js';
import { migrateCommand, migrateHelp } from './commands/migrate.js';
import { reportCommand, reportHelp } from './commands/report.js';
import { sandboxCommand, sandboxHelp } from './commands/sandbox.js';
import { startCommand, startHelp } from './commands/start.js';
import { type CommandContext, createContext } from './context.js';

interface Command {
  summary: string;
  help: string;
  /** Log level when LOG_LEVEL is not set: quiet for one-shot commands, informative for servers. */
  logLevel: LogLevel;
  run(argv: string[], ctx: CommandContext): Promise<void>;
}

const COMMANDS: Record<string, Command> = {
  start: {
    summary: 'run the engine (migrations applied first)',
    help: startHelp,
    logLevel: 'info',
    run: startCommand,
  },
  migrate: {
    summary: 'apply database migrations and exit',
    help: migrateHelp,
    logLevel: 'warn',
    run: migrateCommand,
  },
  sandbox: {
    summary: 'run the Chat2Desk sandbox on its own',
    help: sandboxHelp,
    logLevel: 'info',
    run: sandboxCommand,
  },
  contacts: {
    summary: 'import contacts from a CSV file; normalize stored phones',
    help: contactsHelp,
    logLevel: 'warn',
    run: contactsCommand,
  },
  appointments: {
    summary: 'import appointments from a CSV file',
    help: appointmentsHelp,
    logLevel: 'warn',
    run: appointmentsCommand,
  },
  campaign: {
    summary: 'create, list, show, pause, resume, cancel, publish or preview campaigns',
    help: campaignHelp,
    logLevel: 'warn',
    run: campaignCommand,
  },
  report: {
    summary: "print a campaign's delivery report (table, CSV or JSON)",
    help: reportHelp,
    logLevel: 'warn',
    run: reportCommand,
  },
  doctor: {
    summary: 'check the configuration and the Chat2Desk account before going live',
    help: doctorHelp,
    logLevel: 'warn',
    run: doctorCommand,
  },
  demo: {
    summary: 'run broadcasts end to end on the sandbox and print the report',
    help: demoHelp,
    // The demo runs on the sandbox on purpose: its warnings about that are noise here.
    logLevel: 'error',
    run: demoCommand,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: broadcaster <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nEvery command takes --help and --json.`;
}

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
