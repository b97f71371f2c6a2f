import { ROLES, type Role, startEngine } from '../../engine.js';
import { choiceOption, parseCommandArgs, UsageError } from '../args.js';
import { type CommandContext, printJson } from '../context.js';

export const startHelp = `Usage: broadcaster start [--role all|api|scheduler|worker]

Runs the engine until Ctrl-C: applies pending migrations, then serves the chosen roles
(default all): the HTTP API and web hook receiver, the scheduler, the delivery workers.
Several processes may run at once, with any roles; they share the work through PostgreSQL.
Without DATABASE_URL it runs an embedded PostgreSQL under ./.data/postgres; without CHAT2DESK_TOKEN
it runs the built-in Chat2Desk sandbox and sends there, so nothing reaches real clients.`;

export async function startCommand(argv: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, { role: { type: 'string' } });
  if (positionals.length) throw new UsageError(`start takes no arguments, got "${positionals.join(' ')}"`);
  const role: Role = choiceOption('role', values.role, ROLES) ?? 'all';

  const engine = await startEngine({ config: ctx.config, role, logger: ctx.logger });
  ctx.onExit(engine.stop);
  if (values.json)
    printJson(ctx.stdout, { role, httpUrl: engine.httpUrl ?? null, sandboxUrl: engine.sandbox?.url ?? null });
  const signal = await ctx.untilStopped();
  ctx.logger.info({ signal }, 'engine stopping');
}
