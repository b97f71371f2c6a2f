import { ROLES, type Role, startEngine } from '../../engine.js';
import { choiceOption, parseCommandArgs, UsageError } from '../args.js';
import { type CommandContext, printJson } from '../context.js';
import { formatStartBanner, startSummary } from '../startBanner.js';

export const startHelp = `Usage: broadcaster start [--role all|api|scheduler|worker]

Runs the engine until Ctrl-C: applies pending migrations, then serves the chosen roles
(default all): the HTTP API and web hook receiver, the scheduler, the delivery workers.
Several processes may run at once, with any roles; they share the work through PostgreSQL.
Without DATABASE_URL it runs an embedded PostgreSQL under ./.data/postgres; without CHAT2DESK_TOKEN
it runs the built-in Chat2Desk sandbox and sends there, so nothing reaches real clients.

Once running it prints where the console and the API are (the address it listens on, PORT), which
Chat2Desk it sends to, and which database it uses (never a token or a password); --json prints the
same as one JSON object. Logs go to stderr: one readable line a record on a terminal, JSON lines
otherwise (for a log collector).

Examples:
  broadcaster start
  PORT=8080 DATABASE_URL=postgres://broadcaster@localhost/broadcaster broadcaster start
  broadcaster start --role worker
  LOG_LEVEL=debug broadcaster start --json`;

export async function startCommand(argv: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, { role: { type: 'string' } });
  if (positionals.length) throw new UsageError(`start takes no arguments, got "${positionals.join(' ')}"`);
  const role: Role = choiceOption('role', values.role, ROLES) ?? 'all';

  const engine = await startEngine({ config: ctx.config, role, logger: ctx.logger });
  ctx.onExit(engine.stop);
  // Listening before saying where it runs: a script that stops it on reading the banner stops it cleanly.
  const stopped = ctx.untilStopped();
  const summary = startSummary(ctx.config, {
    role,
    httpUrl: engine.httpUrl,
    sandboxUrl: engine.sandbox?.url,
  });
  if (values.json) printJson(ctx.stdout, { ...summary, sandboxUrl: engine.sandbox?.url ?? null });
  else ctx.stdout.write(`${formatStartBanner(summary)}\n`);
  const signal = await stopped;
  ctx.logger.info({ signal }, 'engine stopping');
}
