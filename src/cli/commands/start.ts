import { startSandbox } from '../../chat2desk/sandbox/index.js';
import { resolveDatabaseServer } from '../../db/database.js';
import { migrate } from '../../db/migrator.js';
import { choiceOption, parseCommandArgs, UsageError } from '../args.js';
import type { CommandContext } from '../context.js';

export const ROLES = ['all', 'api', 'scheduler', 'worker'] as const;
export type Role = (typeof ROLES)[number];

export const startHelp = `Usage: broadcaster start [--role all|api|scheduler|worker]

Runs the engine: applies pending migrations, then serves the chosen roles until Ctrl-C.
Without DATABASE_URL it runs an embedded PostgreSQL under ./.data/postgres; without CHAT2DESK_TOKEN
it runs the built-in Chat2Desk sandbox and sends there, so nothing reaches real clients.`;

export async function startCommand(argv: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, { role: { type: 'string' } });
  if (positionals.length) throw new UsageError(`start takes no arguments, got "${positionals.join(' ')}"`);
  const role: Role = choiceOption('role', values.role, ROLES) ?? 'all';
  const { config, logger } = ctx;

  const server = await resolveDatabaseServer(config, logger);
  ctx.onExit(server.stop);
  await migrate(server.url, { logger });

  let chat2deskUrl = config.chat2desk.apiUrl;
  if (!config.chat2desk.token) {
    const sandbox = await startSandbox({ port: 0, whatsappDelayMs: config.whatsappNewClientDelayMs, logger });
    ctx.onExit(() => sandbox.close());
    chat2deskUrl = sandbox.url;
    logger.warn(
      { sandboxUrl: sandbox.url },
      'CHAT2DESK_TOKEN is not set: using the built-in Chat2Desk SANDBOX. No message reaches a real client.',
    );
  }
  logger.info({ role, chat2deskUrl }, 'engine started');
  const signal = await ctx.untilStopped();
  logger.info({ signal }, 'engine stopping');
}
