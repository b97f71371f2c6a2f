import { join } from 'node:path';
import postgres from 'postgres';
import {
  type AppointmentInput,
  cancelAppointment,
  upsertAppointments,
} from '../../appointments/appointments.js';
import { createCampaign } from '../../campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../campaigns/definition.js';
import { systemClock } from '../../clock.js';
import type { EngineConfig } from '../../config/config.js';
import type { Database } from '../../db/database.js';
import { startEmbeddedPostgres } from '../../db/embeddedPostgres.js';
import { startEngine } from '../../engine.js';
import { BroadcasterError } from '../../errors.js';
import { type CampaignReport, campaignReport, formatCampaignReport } from '../../reports/campaignReport.js';
import { integerOption, parseCommandArgs, UsageError } from '../args.js';
import { type CommandContext, printJson } from '../context.js';

const TEMPLATES_DIR = join(import.meta.dirname, '..', '..', '..', 'templates');
const DEMO_DATABASE = 'broadcaster_demo';

export const demoHelp = `Usage: broadcaster demo [--contacts N] [--timeout-seconds S] [--json]

Runs the engine end to end on the built-in Chat2Desk sandbox, in a database of its own
(${DEMO_DATABASE}, made afresh each time): imports a few hundred contacts (some opted out, some
without consent, a few with bad phones or missing template variables), schedules a WhatsApp and a
Viber broadcast, books a handful of appointments (one cancelled, one rescheduled) with a WhatsApp
reminder campaign 24 h and 2 h before each, runs everything to completion with a short WhatsApp
new-client delay, and prints the delivery report of each campaign. Nothing reaches a real client.

Examples:
  broadcaster demo
  broadcaster demo --contacts 2000 --timeout-seconds 600 --json`;

export async function demoCommand(argv: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, {
    contacts: { type: 'string' },
    'timeout-seconds': { type: 'string' },
  });
  if (positionals.length) throw new UsageError(`demo takes no arguments, got "${positionals.join(' ')}"`);
  const contacts = integerOption('contacts', values.contacts, { min: 10, max: 100_000 }) ?? 300;
  const timeoutMs = (integerOption('timeout-seconds', values['timeout-seconds'], { min: 5 }) ?? 180) * 1000;
  const say = (line: string) => {
    if (!values.json) ctx.stdout.write(`${line}\n`);
  };

  const databaseUrl = await freshDemoDatabase(ctx);
  const config: EngineConfig = {
    ...ctx.config,
    databaseUrl,
    chat2desk: { ...ctx.config.chat2desk, token: undefined, requestsPerSecond: 200, monthlyQuota: undefined },
    whatsappNewClientDelayMs: 3_000,
    http: { ...ctx.config.http, port: 0, apiToken: undefined },
    publicUrl: undefined,
  };
  say(`Demo database: ${DEMO_DATABASE}; Chat2Desk: the built-in sandbox (WhatsApp new-client delay 3 s).`);
  const engine = await startEngine({
    config,
    logger: ctx.logger,
    sandbox: { statusTimings: { deliveredAfterMs: 500, readAfterMs: 1500 } },
  });
  ctx.onExit(engine.stop);

  await seedDemoContacts(engine.db.sql, contacts);
  say(`Imported ${contacts} contacts into lists "demo-whatsapp" and "demo-viber".`);
  const now = systemClock.now();
  const at = new Date(now.getTime() + 2_000).toISOString();
  const ids: number[] = [];
  for (const [name, transport, list] of [
    ['Black Friday (WhatsApp)', 'whatsapp', 'demo-whatsapp'],
    ['Black Friday (Viber)', 'viber', 'demo-viber'],
  ] as const) {
    const definition = validateCampaignDefinition(
      {
        name,
        kind: 'broadcast',
        transport,
        channelId: 1,
        template: 'Hi {{firstName}}, {{discount}}% off everything until Sunday. Reply STOP to unsubscribe.',
        audience: { list },
        schedule: { at },
      },
      { now },
    );
    const created = await createCampaign(engine.db, definition, { now, templatesDir: TEMPLATES_DIR });
    ids.push(created.id);
    say(`Scheduled campaign ${created.id} "${name}" for ${at}.`);
  }
  const reminderId = await startDemoReminders(engine.db, say);
  ids.push(reminderId);

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // Broadcasts complete; a reminder campaign runs on (more appointments may come): it is done here
    // once none of its reminders is still to go out.
    const [unfinished] = await engine.db.sql<{ n: number }[]>`
      select count(*)::int as n from campaigns c
      where c.id = any(${ids}::int[])
        and case when c.kind = 'broadcast' then c.status not in ('completed', 'cancelled')
                 else exists (select 1 from deliveries d where d.campaign_id = c.id
                              and d.state in ('queued', 'waiting', 'sending')) end`;
    if (unfinished?.n === 0) break;
    if (Date.now() > deadline) {
      throw new BroadcasterError(
        'demo_timeout',
        `the demo campaigns did not finish within ${timeoutMs / 1000} s`,
      );
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  // Give the messengers a moment to report delivery, then collect the statuses once more.
  await new Promise((r) => setTimeout(r, 2_000));
  await engine.statusPoller?.pollOnce();

  const reports: CampaignReport[] = [];
  for (const id of ids) reports.push(await campaignReport(engine.db.sql, id));
  if (values.json) {
    printJson(ctx.stdout, { campaigns: reports, chat2deskRequests: engine.gate.requests });
  } else {
    for (const report of reports) say(`\n${formatCampaignReport(report)}`);
    say(`\nChat2Desk requests made: ${engine.gate.requests}`);
  }
}

const DEMO_APPOINTMENTS = 6;

/**
 * A WhatsApp reminder campaign 24 h and 2 h before each appointment, and a handful of appointments
 * starting in 2 hours and a few seconds: the 2-hour reminders go out within seconds, the 24-hour ones
 * are recorded booked_late (booked after their time; the 2-hour one is still to come); one
 * appointment is cancelled and one rescheduled. Returns the campaign's id.
 */
async function startDemoReminders(db: Database, say: (line: string) => void): Promise<number> {
  const now = systemClock.now();
  const definition = validateCampaignDefinition(
    {
      name: 'Appointment reminders',
      kind: 'reminder',
      transport: 'whatsapp',
      channelId: 1,
      template:
        "{{default firstName name}}, a reminder: {{appointment.doctor}} expects you on {{formatDate appointment.startsAt 'd MMMM'}} at {{formatTime appointment.startsAt}}.",
      offsets: ['-24h', '-2h'],
      // Reminders of booked appointments are service messages, not marketing.
      purpose: 'transactional',
    },
    { now },
  );
  const campaign = await createCampaign(db, definition, { now, templatesDir: TEMPLATES_DIR });
  const startsAt = new Date(now.getTime() + 2 * 3_600_000 + 5_000);
  const doctors = ['Dr. Ivanova', 'Dr. Petrov', 'Dr. Sokolova'];
  const appointments: AppointmentInput[] = Array.from({ length: DEMO_APPOINTMENTS }, (_, i) => ({
    externalId: `demo-visit-${i + 1}`,
    // The last one is a phone the engine has never seen: booking it creates the contact.
    phone: i === DEMO_APPOINTMENTS - 1 ? '79995550001' : String(79990000001 + i),
    contactName: i === DEMO_APPOINTMENTS - 1 ? 'Guest Patient' : null,
    startsAt,
    timezone: 'Europe/Moscow',
    attributes: { doctor: doctors[i % doctors.length] },
  }));
  const booked = await upsertAppointments(db.sql, appointments, { now });
  const [cancelled, rescheduled] = booked;
  if (cancelled) await cancelAppointment(db, cancelled.id, { now });
  const rescheduledInput = appointments[1];
  if (rescheduled && rescheduledInput) {
    const later = new Date(startsAt.getTime() + 5_000);
    await upsertAppointments(db.sql, [{ ...rescheduledInput, startsAt: later }], { now });
  }
  say(
    `Booked ${DEMO_APPOINTMENTS} appointments for ${startsAt.toISOString()} (one cancelled, one moved 5 s later) ` +
      `under reminder campaign ${campaign.id} (24 h and 2 h before).`,
  );
  return campaign.id;
}

/** The demo's own database, dropped and made again, on DATABASE_URL's server or the embedded one. */
async function freshDemoDatabase(ctx: CommandContext): Promise<string> {
  let serverUrl = ctx.config.databaseUrl;
  if (!serverUrl) {
    const embedded = await startEmbeddedPostgres({
      dataDir: `${ctx.config.embeddedPostgres.dataDir}/postgres`,
      port: ctx.config.embeddedPostgres.port,
      logger: ctx.logger,
    });
    ctx.onExit(embedded.stop);
    serverUrl = embedded.url;
  }
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${DEMO_DATABASE}" with (force)`);
    await admin.unsafe(`create database "${DEMO_DATABASE}"`);
  } catch (error) {
    throw new BroadcasterError(
      'demo_database',
      `could not create the demo database ${DEMO_DATABASE}: ${(error as Error).message}`,
      {},
      { cause: error },
    );
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(serverUrl);
  url.pathname = `/${DEMO_DATABASE}`;
  return url.toString();
}

async function seedDemoContacts(sql: postgres.Sql, count: number): Promise<void> {
  // Every 50th opted out, every 33rd without consent, every 97th a bad phone, every 71st no discount.
  await sql`
    insert into contacts (phone, name, timezone, attributes, opted_in_at, opt_in_source, opted_out_at, opt_out_reason)
    select
      case when i % 97 = 0 then '0' || lpad(i::text, 9, '0') else (79990000000 + i)::text end,
      (array['Anna', 'Boris', 'Vera', 'Gleb', 'Daria', 'Egor'])[1 + i % 6] || ' Demo' || i,
      'Europe/Moscow',
      case when i % 71 = 0 then jsonb_build_object('firstName', 'Guest')
           else jsonb_build_object('firstName', (array['Anna', 'Boris', 'Vera', 'Gleb', 'Daria', 'Egor'])[1 + i % 6],
                                   'discount', 10 + i % 4 * 5) end,
      case when i % 33 = 0 then null else now() - interval '30 days' end,
      'demo',
      case when i % 50 = 0 then now() - interval '1 day' end,
      case when i % 50 = 0 then 'demo' end
    from generate_series(1, ${count}) as i`;
  await sql`insert into lists (name) values ('demo-whatsapp'), ('demo-viber')`;
  await sql`
    insert into list_members (list_id, contact_id)
    select l.id, c.id from contacts c
    join lists l on l.name = case when c.id % 3 = 0 then 'demo-viber' else 'demo-whatsapp' end`;
}
