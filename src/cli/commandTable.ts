import type { LogLevel } from '../config/config.js';
import { appointmentsCommand, appointmentsHelp } from './commands/appointments.js';
import { appointmentViewsHelp } from './commands/appointmentViews.js';
import { campaignCommand, campaignHelp } from './commands/campaign.js';
import { contactsCommand, contactsHelp } from './commands/contacts.js';
import { demoCommand, demoHelp } from './commands/demo.js';
import { doctorCommand, doctorHelp } from './commands/doctor.js';
import { listsCommand, listsHelp } from './commands/lists.js';
import { migrateCommand, migrateHelp } from './commands/migrate.js';
import { reportCommand, reportHelp } from './commands/report.js';
import { sandboxCommand, sandboxHelp } from './commands/sandbox.js';
import { startCommand, startHelp } from './commands/start.js';
import type { CommandContext } from './context.js';

export interface Command {
  summary: string;
  /** Listed under the command in `broadcaster --help` (and, by a test, in README's command reference). */
  subcommands: readonly string[];
  help: string;
  /** Log level when LOG_LEVEL is not set: quiet for one-shot commands, informative for servers. */
  logLevel: LogLevel;
  run(argv: string[], ctx: CommandContext): Promise<void>;
}

/**
 * A help with an "Examples:" block: the command's own, else the ones given here (for a command whose
 * help text has none yet). A test holds every command to having one.
 */
export function withExamples(help: string, examples: readonly string[]): string {
  if (/^Examples:/m.test(help)) return help;
  return `${help}\n\nExamples:\n${examples.map((e) => `  ${e}`).join('\n')}`;
}

export const COMMANDS: Record<string, Command> = {
  start: {
    summary: 'run the engine (migrations applied first)',
    subcommands: [],
    help: startHelp,
    logLevel: 'info',
    run: startCommand,
  },
  migrate: {
    summary: 'apply database migrations and exit',
    subcommands: [],
    help: migrateHelp,
    logLevel: 'warn',
    run: migrateCommand,
  },
  sandbox: {
    summary: 'run the Chat2Desk sandbox on its own; reply to it as a client',
    subcommands: ['reply'],
    help: sandboxHelp,
    logLevel: 'info',
    run: sandboxCommand,
  },
  contacts: {
    summary: 'import, list, show, export, opt out or delete contacts; normalize stored phones',
    subcommands: ['import', 'list', 'show', 'export', 'opt-out', 'delete', 'normalize'],
    help: contactsHelp,
    logLevel: 'warn',
    run: contactsCommand,
  },
  lists: {
    summary: 'contact lists with their member counts; create one',
    subcommands: ['create'],
    help: listsHelp,
    logLevel: 'warn',
    run: listsCommand,
  },
  appointments: {
    summary: 'import appointments from a CSV file; list them; show one with its reminders',
    subcommands: ['import', 'list', 'show'],
    help: `${appointmentsHelp}\n\n${appointmentViewsHelp}`,
    logLevel: 'warn',
    run: appointmentsCommand,
  },
  campaign: {
    summary: 'create, edit, list, show, pause, resume, cancel, publish, preview or test-send campaigns',
    subcommands: [
      'create',
      'edit',
      'list',
      'show',
      'pause',
      'resume',
      'cancel',
      'publish',
      'preview',
      'test-send',
    ],
    help: withExamples(campaignHelp, [
      'broadcaster campaign create black-friday.yaml --json',
      'broadcaster campaign list --status running',
      'broadcaster campaign preview 12 --contact "+7 916 123-45-67"',
      'broadcaster campaign pause 12',
      'broadcaster campaign resume 12 --wait',
    ]),
    logLevel: 'warn',
    run: campaignCommand,
  },
  report: {
    summary: "print a campaign's delivery report (table, CSV or JSON)",
    subcommands: [],
    help: withExamples(reportHelp, [
      'broadcaster report 12',
      'broadcaster report 12 --format csv > recipients.csv',
      'broadcaster report 12 --json',
    ]),
    logLevel: 'warn',
    run: reportCommand,
  },
  doctor: {
    summary: 'check the configuration and the Chat2Desk account before going live',
    subcommands: [],
    help: doctorHelp,
    logLevel: 'warn',
    run: doctorCommand,
  },
  demo: {
    summary: 'run broadcasts end to end on the sandbox and print the report',
    subcommands: [],
    help: demoHelp,
    // The demo runs on the sandbox on purpose: its warnings about that are noise here.
    logLevel: 'error',
    run: demoCommand,
  },
};

/** `broadcaster --help`: every command with its summary, and its subcommands under it. */
export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).flatMap(([name, c]) => [
    `  ${name.padEnd(width)}  ${c.summary}`,
    ...(c.subcommands.length ? [`  ${''.padEnd(width)}    ${c.subcommands.join(' | ')}`] : []),
  ]);
  return (
    `Usage: broadcaster <command> [options]\n\nCommands:\n${lines.join('\n')}\n\n` +
    'Every command takes --help (with examples) and --json.'
  );
}
