import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { cancelAppointment, upsertAppointments } from '../../../src/appointments/appointments.js';
import { createCampaign } from '../../../src/campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../../src/campaigns/definition.js';
import { cancelCampaign } from '../../../src/campaigns/lifecycle.js';
import type { Sql } from '../../../src/db/database.js';
import { DELIVERY_STATES } from '../../../src/delivery/states.js';
import { campaignReport } from '../../../src/reports/campaignReport.js';
import { findDeliveryCountDrift } from '../../../src/reports/sql/deliveryCountDrift.js';
import { Timekeeper } from '../../../src/scheduler/timekeeper.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import {
  createEngineHarness,
  type EngineHarness,
  START,
  seedContacts,
  startBroadcast,
} from '../../support/engineHarness.js';
import { seedRunningCampaign } from '../../support/seedDeliveries.js';

const MINUTE = 60_000;

let db: TestDatabase | undefined;
let h: EngineHarness | undefined;
const pools: Sql[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.end({ timeout: 5 })));
  await h?.close();
  await db?.drop();
  h = undefined;
  db = undefined;
});

/** A small seeded generator, so a failing walk can be replayed. */
function randomFrom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const REASONS = [
  null,
  'opted_out',
  'retry:server_error',
  'missing_variable:firstName',
  'rate_limited',
  'too_late',
];

describe('findDeliveryCountDrift', () => {
  it('finds none after a random walk of inserts, moves, deletes, cascades and no-op updates', async () => {
    db = await createTestDatabase();
    const sql = db.sql;
    const random = randomFrom(20261206);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    // A final failure or skip always carries its reason (a check constraint of deliveries).
    const reasonFor = (state: string) =>
      state === 'failed' || state === 'skipped' ? pick(REASONS.slice(1)) : pick(REASONS);
    const homes = [await seedRunningCampaign(sql), await seedRunningCampaign(sql)];
    await sql`
      insert into contacts (phone, opted_in_at) select (79100000000 + g)::text, ${START} from generate_series(1, 400) g`;
    const [second] = await sql<{ id: number }[]>`
      insert into campaign_runs (campaign_id, scheduled_for) values (${homes[0]!.campaignId}, ${new Date(START.getTime() + MINUTE)})
      returning id`;
    const runs = [...homes, { campaignId: homes[0]!.campaignId, runId: second!.id }];
    let nextContact = 0;

    for (let step = 0; step < 40; step++) {
      const op = pick(['insert', 'insert', 'move', 'move', 'move', 'touch', 'delete', 'sent']);
      if (op === 'insert' && nextContact < 380) {
        const run = pick(runs);
        const n = 1 + Math.floor(random() * 20);
        const state = pick(DELIVERY_STATES);
        const sent = ['sent', 'delivered', 'read'].includes(state);
        await sql`
          insert into deliveries (run_id, campaign_id, contact_id, state, reason, due_at, next_attempt_at, transport,
                                  channel_id, sent_at)
          select ${run.runId}, ${run.campaignId}, c.id, ${state}, ${reasonFor(state)}, ${START}, ${START},
                 ${pick(['sms', 'whatsapp'])}, ${pick([null, 1, 2])},
                 ${sent ? new Date(START.getTime() + Math.floor(random() * 10 * MINUTE)) : null}
          from contacts c order by c.id offset ${nextContact} limit ${n}`;
        nextContact += n;
      } else if (op === 'move') {
        const state = pick(DELIVERY_STATES);
        await sql`
          update deliveries set state = ${state}, reason = ${reasonFor(state)}
          where id in (select id from deliveries order by random() limit ${1 + Math.floor(random() * 15)})`;
      } else if (op === 'sent') {
        await sql`
          update deliveries set state = 'sent', sent_at = ${new Date(START.getTime() + Math.floor(random() * 90 * MINUTE))}
          where id in (select id from deliveries where sent_at is null order by random() limit 10)`;
      } else if (op === 'touch') {
        await sql`update deliveries set locked_at = ${START}, attempts = attempts + 1 where id % 3 = 0`;
      } else if (op === 'delete') {
        await sql`delete from deliveries where id in (select id from deliveries order by random() limit 5)`;
      }
      expect(await findDeliveryCountDrift(sql), `after step ${step} (${op})`).toEqual([]);
    }

    // A run deleted takes its deliveries with it (a cascade is a statement of its own, counted as well).
    await sql`delete from campaign_runs where id = ${second!.id}`;
    expect(await findDeliveryCountDrift(sql)).toEqual([]);
    await sql`truncate deliveries cascade`;
    expect(await findDeliveryCountDrift(sql)).toEqual([]);
  });

  it('finds none when many connections move deliveries at once (the counters are split into slots)', async () => {
    db = await createTestDatabase();
    const home = await seedRunningCampaign(db.sql);
    await db.sql`
      insert into contacts (phone, opted_in_at) select (79200000000 + g)::text, ${START} from generate_series(1, 2000) g`;
    await db.sql`
      insert into deliveries (run_id, campaign_id, contact_id, due_at, next_attempt_at, transport)
      select ${home.runId}, ${home.campaignId}, id, ${START}, ${START}, 'sms' from contacts`;
    const connections = Array.from({ length: 6 }, () => {
      const pool = postgres(db!.url, { max: 1, onnotice: () => {} });
      pools.push(pool);
      return pool;
    });

    await Promise.all(
      connections.map(async (pool, worker) => {
        for (let round = 0; round < 20; round++) {
          await pool`
            update deliveries set state = 'sent', sent_at = ${new Date(START.getTime() + round * 1000)}
            where id in (select id from deliveries where id % 6 = ${worker} and state = 'queued' order by id limit 15)`;
        }
      }),
    );

    expect(await findDeliveryCountDrift(db.sql)).toEqual([]);
    const [kept] = await db.sql<{ slots: number; sent: number }[]>`
      select count(distinct slot)::int as slots, sum(n)::int as sent from delivery_counts where state = 'sent'`;
    expect(kept?.sent).toBe(6 * 20 * 15);
    expect(kept?.slots).toBeGreaterThan(1);
  });

  it('names the key of a count that no longer agrees', async () => {
    db = await createTestDatabase();
    const home = await seedRunningCampaign(db.sql);
    await db.sql`insert into contacts (phone) values ('79300000001')`;
    await db.sql`
      insert into deliveries (run_id, campaign_id, contact_id, state, reason, due_at, next_attempt_at, transport, channel_id)
      select ${home.runId}, ${home.campaignId}, id, 'skipped', 'missing_variable:name', ${START}, ${START}, 'sms', 1
      from contacts`;
    await db.sql`update delivery_counts set n = n + 2 where state = 'skipped'`;

    expect(await findDeliveryCountDrift(db.sql)).toEqual([
      {
        table: 'delivery_counts',
        key: `run ${home.runId} skipped missing_variable sms channel 1`,
        kept: 3,
        counted: 1,
      },
    ]);
  });

  it('keeps the counts of deliveries retention removes (broadcaster.keep_counts), so old reports still answer', async () => {
    db = await createTestDatabase();
    const home = await seedRunningCampaign(db.sql);
    await db.sql`insert into contacts (phone) select (79400000000 + g)::text from generate_series(1, 3) g`;
    await db.sql`
      insert into deliveries (run_id, campaign_id, contact_id, state, due_at, next_attempt_at, transport, sent_at)
      select ${home.runId}, ${home.campaignId}, id, 'sent', ${START}, ${START}, 'sms', ${START} from contacts`;

    await db.sql.begin(async (tx) => {
      await tx`select set_config('broadcaster.keep_counts', 'on', true)`;
      await tx`delete from deliveries`;
    });

    const report = await campaignReport(db.sql, home.campaignId);
    expect(report.counts.sent).toBe(3);
    expect(await findDeliveryCountDrift(db.sql)).toContainEqual({
      table: 'delivery_state_totals',
      key: 'sent',
      kept: 3,
      counted: 0,
    });
  });

  it('finds none after the engine has run a broadcast, a cancelled one and reminders through every writer', async () => {
    h = await createEngineHarness({ sandbox: { faults: { serverErrorRate: 0.2, seed: 3 } } });
    await seedContacts(h.db.sql, {
      count: 60,
      list: 'vip',
      optedOutEvery: 7,
      noConsentEvery: 11,
      invalidEvery: 13,
    });
    const broadcast = await startBroadcast(h, { transport: 'sms', list: 'vip' });
    const cancelled = await startBroadcast(h, { transport: 'whatsapp', list: 'vip' });
    const reminders = await createCampaign(
      h.db,
      validateCampaignDefinition(
        { name: 'Visits', kind: 'reminder', transport: 'sms', template: 'See you', offsets: ['-2h'] },
        { now: h.clock.now() },
      ),
      { now: h.clock.now(), templatesDir: 'templates' },
    );
    await new Timekeeper({ sql: h.db.sql, clock: h.clock }).tick();
    const startsAt = (hours: number) => new Date(h!.clock.now().getTime() + hours * 60 * MINUTE);
    const booked = await upsertAppointments(
      h.db.sql,
      [1, 2, 3, 4].map((i) => ({
        externalId: `visit-${i}`,
        phone: `7900000000${i}`,
        startsAt: startsAt(3 + i),
      })),
      { now: h.clock.now() },
    );
    await upsertAppointments(
      h.db.sql,
      [{ externalId: 'visit-1', phone: '79000000001', startsAt: startsAt(9) }],
      {
        now: h.clock.now(),
      },
    );
    await cancelAppointment(h.db, booked[1]!.id, { now: h.clock.now() });
    const { worker } = await h.addWorker();

    await cancelCampaign(h.db.sql, cancelled, { now: h.clock.now() });
    await worker.drain();
    h.clock.advance(10 * MINUTE);
    await worker.drain();

    expect(await findDeliveryCountDrift(h.db.sql)).toEqual([]);
    for (const campaignId of [broadcast, cancelled, reminders.id]) {
      const report = await campaignReport(h.db.sql, campaignId);
      const rows = await h.db.sql<{ state: string; n: number }[]>`
        select state, count(*)::int as n from deliveries where campaign_id = ${campaignId} group by state`;
      const recount = Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0]));
      for (const row of rows) recount[row.state] = row.n;
      expect(report.counts, `campaign ${campaignId}`).toEqual(recount);
    }
  });
});
