// Console benchmark: the console's pages with a 1,000,000-contact audience behind them.
//
//   npm run build && node bench/console.mjs [--contacts 1000000] [--repeat 5]
//
// One scratch database: `--contacts` contacts (attributes city and discount, a tenth opted out, a
// quarter without consent) all in the list `all-stars`, a draft broadcast to that list narrowed by a
// segment, and a finished campaign of `--contacts` sent deliveries to report on. Each page is fetched
// over real HTTP from the engine's own server (the console, no login: the engine on 127.0.0.1):
// the draft's page (set-up, preview of a sample, forecast over the whole audience), the editor's
// Check (the audience counted, variables sampled, the message composed), the lists page counting a
// segment of the million, a contacts search page, a contact's page, the report page of the finished
// campaign, the overview, and the recipients download for Excel (streamed; its time to the last byte).
// Median and worst of `--repeat` tries after one warm-up. With DATABASE_URL, a scratch database on
// that server; without it an embedded PostgreSQL.
import { parseArgs } from 'node:util';
import { systemClock } from '../dist/clock.js';
import { connectDatabase } from '../dist/db/database.js';
import { buildHttpServer } from '../dist/http/server.js';
import { silentLogger } from '../dist/logger.js';
import { scratchDatabase } from './support.mjs';

const { values } = parseArgs({
  options: { contacts: { type: 'string', default: '1000000' }, repeat: { type: 'string', default: '5' } },
});
const contacts = Number(values.contacts);
const repeat = Number(values.repeat);
if (!Number.isInteger(contacts) || contacts < 1000)
  throw new Error('--contacts: a whole number of 1000 or more');
if (!Number.isInteger(repeat) || repeat < 1) throw new Error('--repeat: a positive whole number');

const scratch = await scratchDatabase('broadcaster_console_bench');
const db = connectDatabase(scratch.url, { max: 4 });
try {
  console.log(`seeding ${contacts.toLocaleString('en')} contacts in one list, and as many sent deliveries…`);
  const seeded = await seed(db.sql);
  const app = buildHttpServer({
    sql: db.sql,
    clock: systemClock,
    logger: silentLogger,
    webhookSecret: 'bench',
    db,
    dashboard: true,
    requestsPerSecond: 10,
  });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const get = async (path) => {
      const response = await fetch(`${base}${path}`, { headers: { 'accept-language': 'ru' } });
      if (response.status !== 200)
        throw new Error(`GET ${path}: ${response.status} ${(await response.text()).slice(0, 300)}`);
      await response.text();
    };
    const check = async () => {
      const csrf = /name="csrf" value="([^"]+)"/.exec(await (await fetch(`${base}/campaigns/new`)).text())[1];
      const form = new URLSearchParams({
        csrf,
        intent: 'check',
        name: 'Check',
        kind: 'broadcast',
        transport: 'viber',
        purpose: 'marketing',
        list: 'all-stars',
        where: 'city = "Moscow" and discount >= 15',
        template: 'Hi {{name}}, {{discount}}% off',
        scheduleMode: 'cron',
        cron: '0 10 * * MON',
        timezone: 'Europe/Moscow',
      });
      const response = await fetch(`${base}/campaigns/new`, { method: 'POST', body: form });
      const text = await response.text();
      if (response.status !== 200 || !text.includes('data-count="audience"'))
        throw new Error(`Check: ${response.status}`);
    };
    const pages = {
      "a draft's page (set-up, preview, forecast over the audience)": () => get(`/campaigns/${seeded.draft}`),
      "the editor's Check (count, variables, preview)": check,
      'lists page counting a segment of the million': () =>
        get(
          `/lists?list=all-stars&where=${encodeURIComponent('city = "Moscow" and not last_contacted within 7d')}`,
        ),
      'contacts search (a name)': () => get(`/contacts?q=${encodeURIComponent('Client 99999')}`),
      "a contact's page": () => get(`/contacts/${seeded.contact}`),
      'report page of the finished campaign': () => get(`/campaigns/${seeded.finished}`),
      'overview (30 days)': () => get('/overview'),
      'campaign list': () => get('/'),
      'recipients for Excel (streamed, to the last byte)': () =>
        get(`/campaigns/${seeded.finished}/recipients.csv?excel=1`),
    };
    console.log('');
    console.log(`page (${contacts.toLocaleString('en')} contacts)`.padEnd(66), 'median ms', '  worst ms');
    const results = {};
    for (const [name, run] of Object.entries(pages)) {
      const figures = await timed(run);
      results[name] = figures;
      console.log(
        name.padEnd(66),
        figures.median.toFixed(0).padStart(9),
        figures.worst.toFixed(0).padStart(10),
      );
    }
    console.log(`JSON ${JSON.stringify({ contacts, repeat, results })}`);
  } finally {
    await app.close();
  }
} finally {
  await db.close();
  await scratch.drop();
}

async function seed(sql) {
  await sql`
    insert into contacts (phone, name, attributes, opted_in_at, opt_in_source, opted_out_at)
    select (79000000000 + i)::text, 'Client ' || i,
           jsonb_build_object('city', case when i % 3 = 0 then 'Moscow' else 'Kazan' end, 'discount', (10 + i % 20)::text),
           case when i % 4 = 0 then null else now() - interval '30 days' end, 'bench',
           case when i % 10 = 0 then now() - interval '1 day' end
    from generate_series(1, ${contacts}) as i`;
  const [list] = await sql`insert into lists (name) values ('all-stars') returning id`;
  await sql`insert into list_members (list_id, contact_id) select ${list.id}, id from contacts`;
  const [draft] = await sql`
    insert into campaigns (name, kind, status, transport, channel_id, definition, template_source, list_id, audience_where, purpose, timezone, schedule_cron)
    values ('Draft', 'broadcast', 'draft', 'viber', 1,
            ${sql.json({ name: 'Draft', kind: 'broadcast', transport: 'viber', template: 'Hi {{name}}', audience: { list: 'all-stars', where: 'discount >= 15' }, schedule: { cron: '0 10 * * MON', timezone: 'Europe/Moscow' } })},
            'Hi {{name}}', ${list.id}, 'discount >= 15', 'marketing', 'Europe/Moscow', '0 10 * * MON')
    returning id`;
  const [finished] = await sql`
    insert into campaigns (name, kind, status, transport, channel_id, definition, template_source, list_id, purpose)
    values ('Finished', 'broadcast', 'completed', 'viber', 1, '{}', 'Hi', ${list.id}, 'marketing') returning id`;
  const [run] = await sql`
    insert into campaign_runs (campaign_id, scheduled_for, status) values (${finished.id}, now() - interval '1 day', 'completed')
    returning id`;
  await sql`
    insert into deliveries (run_id, campaign_id, contact_id, state, due_at, next_attempt_at, transport, channel_id, sent_at, rendered_text)
    select ${run.id}, ${finished.id}, id, 'sent', now() - interval '1 day', now() - interval '1 day', 'viber', 1,
           now() - interval '1 day' + (id % 3600) * interval '1 second', 'Hi ' || name
    from contacts`;
  await sql`analyze`;
  const [contact] = await sql`select id from contacts order by id offset ${Math.floor(contacts / 2)} limit 1`;
  return { draft: draft.id, finished: finished.id, contact: contact.id };
}

/** Median and worst of `repeat` runs after one warm-up. */
async function timed(run) {
  await run();
  const times = [];
  for (let i = 0; i < repeat; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], worst: times.at(-1) };
}
