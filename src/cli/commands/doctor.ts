import { Chat2DeskClient } from '../../chat2desk/client.js';
import { Chat2DeskAuthError, Chat2DeskError, Chat2DeskNotFoundError } from '../../chat2desk/errors.js';
import type { ApiInfo, Webhook } from '../../chat2desk/types.js';
import { connectDatabase, resolveDatabaseServer, type Sql } from '../../db/database.js';
import { migrate } from '../../db/migrator.js';
import { MODE_MONTHLY_QUOTAS } from '../../delivery/quotaGuard.js';
import { readClientCreationFact } from '../../delivery/sql/clientCreationFact.js';
import {
  isOurWebhook,
  isSwitchedOff,
  MAX_COMPANY_WEBHOOKS,
  ourWebhook,
} from '../../delivery/webhookRegistration.js';
import { BroadcasterError } from '../../errors.js';
import { installationWebhookSecret, legacyWebhookSecret } from '../../http/webhookSecret.js';
import { parseCommandArgs, UsageError } from '../args.js';
import { type CommandContext, printJson } from '../context.js';

export const doctorHelp = `Usage: broadcaster doctor [--json]

Checks the configuration against the Chat2Desk account it names, and says what to fix before going
live: the token, the API mode and this month's quota, the channels, whether the account may create
clients, the web hook, and how the engine is exposed. Nothing is sent and no client is created;
pending database migrations are applied first, as start does.
Exit code 1 when a check fails (warnings alone exit 0).

Examples:
  CHAT2DESK_TOKEN=… PUBLIC_URL=https://broadcaster.example.com broadcaster doctor
  broadcaster doctor --json`;

type Verdict = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  check: string;
  verdict: Verdict;
  detail: string;
  /** What to do about it; absent when there is nothing to do. */
  fix?: string;
}

const QUOTA_WARN_SHARE = 0.8;

export async function doctorCommand(argv: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, {});
  if (positionals.length) throw new UsageError(`doctor takes no arguments, got "${positionals.join(' ')}"`);
  const { config } = ctx;
  const checks: DoctorCheck[] = [];
  const add = (check: DoctorCheck) => checks.push(check);

  const server = await resolveDatabaseServer(config, ctx.logger);
  ctx.onExit(server.stop);
  await migrate(server.url, { logger: ctx.logger });
  const db = connectDatabase(server.url, { max: 2, applicationName: 'broadcaster-doctor' });
  ctx.onExit(db.close);
  add({
    check: 'database',
    verdict: 'ok',
    detail: config.databaseUrl ? 'DATABASE_URL answers, migrated' : 'embedded PostgreSQL, migrated',
  });
  add(exposureCheck(config.http.apiToken, config.webhookSignatures));

  const token = config.chat2desk.token;
  if (!token) {
    add({
      check: 'chat2desk token',
      verdict: 'warn',
      detail:
        'CHAT2DESK_TOKEN is not set: the engine sends to its built-in sandbox, and no message reaches a client',
      fix: 'set CHAT2DESK_TOKEN to the token in Chat2Desk › Settings › API',
    });
  } else {
    const client = new Chat2DeskClient({
      baseUrl: config.chat2desk.apiUrl,
      token,
      timeoutMs: config.chat2desk.timeoutMs,
    });
    ctx.onExit(() => client.close());
    const info = await apiInfo(client, config.chat2desk.apiUrl, add);
    if (info) {
      add(quotaCheck(info, config.chat2desk.monthlyQuota));
      await channelsCheck(client, add);
      add(await clientCreationCheck(db.sql));
      add(
        await webhookCheck(db.sql, client, info, {
          publicUrl: config.publicUrl,
          webhookSignatures: config.webhookSignatures,
          token,
        }),
      );
    }
  }

  const failed = checks.filter((c) => c.verdict === 'fail').length;
  if (values.json) printJson(ctx.stdout, { ok: failed === 0, checks });
  else ctx.stdout.write(formatChecks(checks));
  if (failed > 0) {
    throw new BroadcasterError(
      'doctor_failed',
      `${failed} check${failed === 1 ? '' : 's'} failed; see above`,
    );
  }
}

function exposureCheck(apiToken: string | undefined, signatures: string): DoctorCheck {
  return apiToken
    ? {
        check: 'exposure',
        verdict: 'ok',
        detail: `API_TOKEN set: listening on every interface; web hook signatures ${signatures}`,
      }
    : {
        check: 'exposure',
        verdict: 'ok',
        detail: 'no API_TOKEN: the API and dashboard listen on 127.0.0.1 only',
      };
}

async function apiInfo(
  client: Chat2DeskClient,
  apiUrl: string,
  add: (check: DoctorCheck) => void,
): Promise<ApiInfo | undefined> {
  try {
    const info = await client.getApiInfo();
    add({
      check: 'chat2desk token',
      verdict: 'ok',
      detail: `accepted by ${apiUrl} (company "${info.company_name}")`,
    });
    return info;
  } catch (error) {
    if (error instanceof Chat2DeskAuthError) {
      add({
        check: 'chat2desk token',
        verdict: 'fail',
        detail: `${apiUrl} refuses the token`,
        fix: 'copy the token again from Chat2Desk › Settings › API into CHAT2DESK_TOKEN',
      });
    } else {
      const reason = error instanceof Chat2DeskError ? error.message : String(error);
      add({
        check: 'chat2desk token',
        verdict: 'fail',
        detail: `${apiUrl} did not answer api_info: ${reason}`,
        fix: 'check CHAT2DESK_API_URL and that this machine can reach it',
      });
    }
    return undefined;
  }
}

function quotaCheck(info: ApiInfo, override: number | undefined): DoctorCheck {
  const modeQuota = Object.hasOwn(MODE_MONTHLY_QUOTAS, info.mode)
    ? MODE_MONTHLY_QUOTAS[info.mode]
    : undefined;
  const quota = override ?? modeQuota;
  const used = info.requests_this_month;
  if (info.mode === 'disabled') {
    return {
      check: 'api mode',
      verdict: 'fail',
      detail: 'the API is disabled for this company',
      fix: 'ask Chat2Desk to enable an API mode',
    };
  }
  if (quota === undefined) {
    return {
      check: 'api mode',
      verdict: 'warn',
      detail: `unknown mode "${info.mode}": the engine sends nothing until CHAT2DESK_MONTHLY_QUOTA says the quota`,
      fix: 'set CHAT2DESK_MONTHLY_QUOTA',
    };
  }
  if (quota === null)
    return {
      check: 'api mode',
      verdict: 'ok',
      detail: `${info.mode}: no monthly limit (${used} requests this month)`,
    };
  const share = quota === 0 ? 1 : used / quota;
  const detail = `${info.mode}: ${used} of ${quota} requests used this month (${Math.round(share * 100)}%)`;
  return share >= QUOTA_WARN_SHARE
    ? {
        check: 'api mode',
        verdict: 'warn',
        detail,
        fix: 'campaigns pause before the quota runs out; a higher API mode raises it',
      }
    : { check: 'api mode', verdict: 'ok', detail };
}

async function channelsCheck(client: Chat2DeskClient, add: (check: DoctorCheck) => void): Promise<void> {
  const channels = (await client.listChannels()).data;
  if (channels.length === 0) {
    add({
      check: 'channels',
      verdict: 'fail',
      detail: 'the account has no channel',
      fix: 'connect a channel in Chat2Desk first',
    });
    return;
  }
  const list = channels.map((c) => `${c.id} ${c.name} (${c.transports.join(', ')})`).join('; ');
  add({ check: 'channels', verdict: 'ok', detail: `${channels.length}: ${list}` });
}

async function clientCreationCheck(sql: Sql): Promise<DoctorCheck> {
  const fact = await readClientCreationFact(sql);
  if (fact === null) {
    return {
      check: 'client creation',
      verdict: 'ok',
      detail:
        'not known yet: the engine learns it from the first POST /v1/clients (doctor creates no client)',
    };
  }
  const since = fact.learntAt.toISOString();
  return fact.allowed
    ? { check: 'client creation', verdict: 'ok', detail: `allowed (seen ${since})` }
    : {
        check: 'client creation',
        verdict: 'warn',
        detail: `switched off for the account (seen ${since}): only clients who wrote first are reached, the rest are skipped client_not_in_chat2desk`,
        fix: 'ask Chat2Desk support to enable client creation (POST /v1/clients) for the company',
      };
}

async function webhookCheck(
  sql: Sql,
  client: Chat2DeskClient,
  info: ApiInfo,
  config: { publicUrl: string | undefined; webhookSignatures: string; token: string },
): Promise<DoctorCheck> {
  if (!config.publicUrl) {
    return {
      check: 'web hook',
      verdict: 'ok',
      detail: 'PUBLIC_URL is not set: replies (STOP) and statuses are polled within a request budget',
    };
  }
  const ours = ourWebhook(
    config.publicUrl,
    await installationWebhookSecret(sql),
    legacyWebhookSecret(config.token),
  );
  let hooks: Webhook[];
  try {
    hooks = await client.listWebhooks();
  } catch (error) {
    if (error instanceof Chat2DeskNotFoundError)
      return legacyWebhookCheck(info, ours.url, config.webhookSignatures);
    if (!(error instanceof Chat2DeskError)) throw error;
    return { check: 'web hook', verdict: 'warn', detail: `could not read the web hooks: ${error.message}` };
  }
  const mine = hooks.find((h) => isOurWebhook(h, ours));
  if (mine && isSwitchedOff(mine)) {
    return {
      check: 'web hook',
      verdict: 'warn',
      detail:
        'ours is switched off: Chat2Desk could not deliver to it for 5 hours (replies are polled meanwhile)',
      fix: 'check that PUBLIC_URL reaches this engine from the internet; a running engine puts the hook back',
    };
  }
  const lastError = mine?.errors?.at(-1);
  if (mine && lastError) {
    return {
      check: 'web hook',
      verdict: 'warn',
      detail: `registered (/v1/webhooks), but its last delivery failed${lastError.event_time ? ` at ${lastError.event_time}` : ''}: ${lastError.error ?? 'no reason given'}`,
      fix: 'check that PUBLIC_URL reaches this engine from the internet',
    };
  }
  if (mine) {
    return {
      check: 'web hook',
      verdict: 'ok',
      detail: `registered at PUBLIC_URL (/v1/webhooks, events ${mine.events.join(', ')})`,
    };
  }
  if (hooks.length >= MAX_COMPANY_WEBHOOKS) {
    return {
      check: 'web hook',
      verdict: 'warn',
      detail: `the company has ${hooks.length} web hooks of other integrations, the most it may have: replies are polled`,
      fix: 'free a place in Chat2Desk (remove a hook no longer used); the engine registers at its next start',
    };
  }
  return {
    check: 'web hook',
    verdict: 'warn',
    detail: 'none registered yet',
    fix: 'start the engine (role all or worker) with PUBLIC_URL set; it registers itself',
  };
}

/** An account without /v1/webhooks: v1.08's single company hook. */
function legacyWebhookCheck(info: ApiInfo, ours: string, signatures: string): DoctorCheck {
  if (info.hook === ours) {
    const signed =
      signatures === 'required' ? '; signatures required, which the v1.08 hook does not send' : '';
    return {
      check: 'web hook',
      verdict: signatures === 'required' ? 'warn' : 'ok',
      detail: `registered at PUBLIC_URL (v1.08 company hook)${signed}`,
    };
  }
  if (info.hook) {
    return {
      check: 'web hook',
      verdict: 'warn',
      detail:
        'the company has another web hook (another integration?): the engine leaves it and polls instead',
      fix: 'if it is an old one of this engine, clear it in Chat2Desk and start the engine again',
    };
  }
  return {
    check: 'web hook',
    verdict: 'warn',
    detail: 'none registered yet',
    fix: 'start the engine (role all or worker) with PUBLIC_URL set; it registers itself',
  };
}

function formatChecks(checks: DoctorCheck[]): string {
  const mark: Record<Verdict, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };
  const width = Math.max(...checks.map((c) => c.check.length));
  const lines = checks.flatMap((c) => [
    `${mark[c.verdict]}  ${c.check.padEnd(width)}  ${c.detail}`,
    ...(c.fix ? [`${' '.repeat(width + 8)}→ ${c.fix}`] : []),
  ]);
  return `${lines.join('\n')}\n`;
}
