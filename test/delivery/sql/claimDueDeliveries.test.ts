import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import type { Sql } from '../../../src/db/database.js';
import {
  claimDueDeliveries,
  claimStaleSending,
  measureClaim,
  reclaimOwnDeliveries,
  releaseDeliveries,
  renewLeases,
} from '../../../src/delivery/sql/claimDueDeliveries.js';
import type { DeliveryState } from '../../../src/delivery/states.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { START } from '../../support/engineHarness.js';
import { seedContact, seedRunningCampaign } from '../../support/seedDeliveries.js';

let db: TestDatabase | undefined;
const extraPools: Sql[] = [];
afterEach(async () => {
  await Promise.all(extraPools.splice(0).map((pool) => pool.end({ timeout: 5 })));
  await db?.drop();
  db = undefined;
});

const LEASE_MS = 60_000;
/** The token of a lease seeded as held: far beyond what the test's claims draw. */
const OLD_TOKEN = 999_999;
const at = (ms: number) => new Date(START.getTime() + ms);
const claim = (sql: Sql, workerId: string, limit: number, now = START) =>
  claimDueDeliveries(sql, { workerId, now, limit, leaseMs: LEASE_MS });

type Home = { campaignId: number; runId: number };
let phones = 0;

/** One delivery of `home` due at `dueAt`, for a new contact; returns its id. */
async function addDelivery(
  sql: Sql,
  home: Home,
  options: {
    dueAt?: Date;
    state?: DeliveryState;
    lockedBy?: string;
    lockedAt?: Date;
    appointmentId?: number;
  } = {},
): Promise<string> {
  const contactId = await seedContact(sql, `7900${String(++phones).padStart(7, '0')}`);
  const dueAt = options.dueAt ?? START;
  const state = options.state ?? 'queued';
  const [row] = await sql<{ id: string }[]>`
    insert into deliveries (run_id, campaign_id, contact_id, state, reason, due_at, next_attempt_at, transport,
                            locked_by, locked_at, lease_token, appointment_id)
    values (${home.runId}, ${home.campaignId}, ${contactId}, ${state},
            ${state === 'failed' || state === 'skipped' ? 'seeded' : null}, ${dueAt}, ${dueAt}, 'sms',
            ${options.lockedBy ?? null}, ${options.lockedAt ?? null}, ${options.lockedBy ? OLD_TOKEN : null},
            ${options.appointmentId ?? null})
    returning id::text`;
  return row!.id;
}

async function campaignWithStatus(sql: Sql, status: string): Promise<Home> {
  const home = await seedRunningCampaign(sql);
  await sql`update campaigns set status = ${status} where id = ${home.campaignId}`;
  return home;
}

const ids = (rows: readonly { id: string }[]) => rows.map((r) => r.id);

describe('claimDueDeliveries', () => {
  it('claims only queued and waiting deliveries that are due, and leases them to the worker', async () => {
    db = await createTestDatabase();
    const home = await seedRunningCampaign(db.sql);
    const queued = await addDelivery(db.sql, home);
    const waiting = await addDelivery(db.sql, home, { state: 'waiting', dueAt: at(-5_000) });
    await addDelivery(db.sql, home, { dueAt: at(1) }); // due a millisecond from now
    for (const state of ['sending', 'sent', 'delivered', 'read', 'failed', 'skipped'] as const) {
      await addDelivery(db.sql, home, { state, dueAt: at(-10_000) });
    }

    const claimed = await claim(db.sql, 'w1', 100);

    expect(ids(claimed).sort()).toEqual([queued, waiting].sort());
    expect(claimed.find((d) => d.id === queued)).toMatchObject({
      campaignId: home.campaignId,
      runId: home.runId,
      state: 'queued',
      campaignName: 'seeded',
      campaignStatus: 'running',
      phone: expect.stringMatching(/^7900/),
      appointment: null,
    });
    const rows = await db.sql<{ locked_by: string; locked_at: Date; token: string }[]>`
      select locked_by, locked_at, lease_token::text as token from deliveries where locked_by is not null order by id`;
    expect(rows).toEqual([
      { locked_by: 'w1', locked_at: START, token: claimed[0]!.leaseToken },
      { locked_by: 'w1', locked_at: START, token: claimed[0]!.leaseToken },
    ]);
  });

  it('takes the earliest due first and no more than the batch size', async () => {
    db = await createTestDatabase();
    const home = await seedRunningCampaign(db.sql);
    const late = await addDelivery(db.sql, home, { dueAt: at(-1_000) });
    const earliest = await addDelivery(db.sql, home, { dueAt: at(-3_000) });
    const middle = await addDelivery(db.sql, home, { dueAt: at(-2_000) });
    const sameTimeLater = await addDelivery(db.sql, home, { dueAt: at(-1_000) });

    expect(ids(await claim(db.sql, 'w1', 2)).sort()).toEqual([earliest, middle].sort());
    // Due at the same instant: the one inserted first goes first.
    expect(ids(await claim(db.sql, 'w2', 1))).toEqual([late]);
    expect(ids(await claim(db.sql, 'w3', 1))).toEqual([sameTimeLater]);
    expect(await claim(db.sql, 'w4', 1)).toEqual([]);
  });

  it('leaves a delivery leased by another worker alone until its lease has run out, then takes it over', async () => {
    db = await createTestDatabase();
    const home = await seedRunningCampaign(db.sql);
    const leased = await addDelivery(db.sql, home, { dueAt: at(-120_000), lockedBy: 'w1', lockedAt: START });

    // Exactly leaseMs old is still held: only a lease older than that is taken over.
    expect(await claim(db.sql, 'w2', 10, at(LEASE_MS))).toEqual([]);
    const [taken] = await claim(db.sql, 'w2', 10, at(LEASE_MS + 1));

    expect(taken?.id).toBe(leased);
    expect(taken?.leaseToken).not.toBe(String(OLD_TOKEN));
    const [row] = await db.sql`select locked_by, locked_at from deliveries where id = ${leased}`;
    expect(row).toEqual({ locked_by: 'w2', locked_at: at(LEASE_MS + 1) });
  });

  it('never reads the deliveries of campaigns that are not running', async () => {
    db = await createTestDatabase();
    for (const status of ['draft', 'scheduled', 'paused', 'completed', 'cancelled']) {
      await addDelivery(db.sql, await campaignWithStatus(db.sql, status), { dueAt: at(-60_000) });
    }
    const running = await addDelivery(db.sql, await seedRunningCampaign(db.sql));

    expect(ids(await claim(db.sql, 'w1', 100))).toEqual([running]);
    const [held] = await db.sql<
      { n: number }[]
    >`select count(*)::int as n from deliveries where locked_by is not null`;
    expect(held!.n).toBe(1);
  });

  it('shares the batch between running campaigns, so a big broadcast does not hold back another campaign', async () => {
    db = await createTestDatabase();
    const big = await seedRunningCampaign(db.sql);
    for (let i = 0; i < 10; i++) await addDelivery(db.sql, big, { dueAt: at(-60_000 + i) });
    const small = await seedRunningCampaign(db.sql);
    const reminder = await addDelivery(db.sql, small);

    const claimed = await claim(db.sql, 'w1', 4);

    expect(claimed.filter((d) => d.campaignId === big.campaignId)).toHaveLength(2);
    expect(ids(claimed.filter((d) => d.campaignId === small.campaignId))).toEqual([reminder]);
  });

  it('never claims more than the limit when more campaigns have due work than it: the longest-waiting go first', async () => {
    db = await createTestDatabase();
    const waiting: string[] = [];
    for (const minutesLate of [1, 5, 3, 2, 4]) {
      const home = await seedRunningCampaign(db.sql);
      waiting[minutesLate] = await addDelivery(db.sql, home, { dueAt: at(-minutesLate * 60_000) });
    }

    const claimed = await claim(db.sql, 'w1', 2);

    expect(ids(claimed).sort()).toEqual([waiting[5]!, waiting[4]!].sort());
    const [locked] = await db.sql<
      { n: number }[]
    >`select count(*)::int as n from deliveries where locked_by is not null`;
    expect(locked?.n).toBe(2);
  });

  it('splits a limit the campaigns do not divide exactly, the extra one to the longest-waiting', async () => {
    db = await createTestDatabase();
    const homes: Home[] = [];
    for (const minutesLate of [1, 3, 2]) {
      const home = await seedRunningCampaign(db.sql);
      homes.push(home);
      for (let i = 0; i < 10; i++) await addDelivery(db.sql, home, { dueAt: at(-minutesLate * 60_000 + i) });
    }

    const claimed = await claim(db.sql, 'w1', 10);

    const per = homes.map((home) => claimed.filter((d) => d.campaignId === home.campaignId).length);
    expect(per).toEqual([3, 4, 3]);
  });

  it('takes from a paced campaign no more than its limiter has slots for within the horizon', async () => {
    db = await createTestDatabase();
    const paced = await seedRunningCampaign(db.sql);
    await db.sql`update campaigns set rate_limit_per_second = 2 where id = ${paced.campaignId}`;
    for (let i = 0; i < 6; i++) await addDelivery(db.sql, paced);
    const realNowMs = 1_000_000;
    const pacing = { realNowMs, horizonMs: 1_000, marginMs: 10 };

    // A free limiter: floor(1000 ms × 2/s ÷ 1010 ms) + 1 = 2 slots within the horizon.
    const free = await claimDueDeliveries(db.sql, {
      workerId: 'w1',
      now: START,
      limit: 10,
      leaseMs: LEASE_MS,
      pacing,
    });
    expect(free).toHaveLength(2);

    // Its limiter booked past the horizon: nothing at all.
    await db.sql`
      insert into rate_limiters (name, theoretical_arrival_ms) values (${`campaign:${paced.campaignId}`}, ${realNowMs + 5_000})`;
    const booked = await claimDueDeliveries(db.sql, {
      workerId: 'w2',
      now: START,
      limit: 10,
      leaseMs: LEASE_MS,
      pacing,
    });
    expect(booked).toEqual([]);
  });

  it('returns a reminder with its appointment, its start as a Date', async () => {
    db = await createTestDatabase();
    const home = await seedRunningCampaign(db.sql);
    await db.sql`update campaigns set kind = 'reminder' where id = ${home.campaignId}`;
    const contactId = await seedContact(db.sql, '79990000001');
    const [appointment] = await db.sql<{ id: number }[]>`
      insert into appointments (external_id, contact_id, starts_at, timezone, attributes)
      values ('A-1', ${contactId}, ${at(3_600_000)}, 'Europe/Moscow', ${db.sql.json({ room: 4 })}) returning id`;
    await addDelivery(db.sql, home, { appointmentId: appointment!.id });

    const [claimed] = await claim(db.sql, 'w1', 1);

    expect(claimed?.campaignKind).toBe('reminder');
    expect(claimed?.appointment).toEqual({
      externalId: 'A-1',
      startsAt: at(3_600_000),
      timezone: 'Europe/Moscow',
      status: 'booked',
      attributes: { room: 4 },
    });
  });

  it('skips rows another claim has locked instead of waiting for it', async () => {
    db = await createTestDatabase();
    const home = await seedRunningCampaign(db.sql);
    const all: string[] = [];
    for (let i = 0; i < 4; i++) all.push(await addDelivery(db.sql, home, { dueAt: at(-10_000 + i) }));
    const other = postgres(db.url, { max: 1, onnotice: () => {} });
    extraPools.push(other);

    const claimedMeanwhile = await db.sql.begin(async (tx) => {
      await tx`select id from deliveries where id in ${tx([all[0]!, all[1]!])} for update`;
      return claim(other, 'w2', 4);
    });

    expect(ids(claimedMeanwhile)).toEqual([all[2], all[3]]);
  });

  it('never hands the same delivery to two claims running at once on two connections', async () => {
    db = await createTestDatabase();
    const home = await seedRunningCampaign(db.sql);
    await db.sql`insert into contacts (phone) select (78000000000 + g)::text from generate_series(1, 150) g`;
    await db.sql`
      insert into deliveries (run_id, campaign_id, contact_id, due_at, next_attempt_at, transport)
      select ${home.runId}, ${home.campaignId}, id, ${START}, ${START}, 'sms' from contacts where phone like '78%'`;
    const one = postgres(db.url, { max: 1, onnotice: () => {} });
    const two = postgres(db.url, { max: 1, onnotice: () => {} });
    extraPools.push(one, two);

    const seen: string[] = [];
    for (let round = 0; round < 6; round++) {
      const [a, b] = await Promise.all([claim(one, 'w1', 20), claim(two, 'w2', 20)]);
      seen.push(...ids(a), ...ids(b));
    }

    expect(new Set(seen).size).toBe(seen.length);
    // Nothing was lost either: what the rounds left is claimed by one more claim.
    const rest = ids(await claim(db.sql, 'w3', 200));
    expect(new Set([...seen, ...rest]).size).toBe(150);
    const [held] = await db.sql<{ w1: number; w2: number }[]>`
      select count(*) filter (where locked_by = 'w1')::int as w1, count(*) filter (where locked_by = 'w2')::int as w2
      from deliveries`;
    expect(held!.w1 + held!.w2).toBe(seen.length);
  });
});

describe('claimStaleSending', () => {
  it('takes over only sending deliveries whose lease ran out, the longest stuck first', async () => {
    db = await createTestDatabase();
    const home = await seedRunningCampaign(db.sql);
    const newer = await addDelivery(db.sql, home, {
      state: 'sending',
      lockedBy: 'w1',
      lockedAt: at(-90_000),
    });
    const older = await addDelivery(db.sql, home, {
      state: 'sending',
      lockedBy: 'w1',
      lockedAt: at(-200_000),
    });
    await addDelivery(db.sql, home, { state: 'sending', lockedBy: 'w1', lockedAt: at(-1_000) }); // still live
    await addDelivery(db.sql, home, { state: 'queued', lockedBy: 'w1', lockedAt: at(-200_000) }); // not sending

    const options = { workerId: 'w2', now: START, leaseMs: LEASE_MS };
    expect(ids(await claimStaleSending(db.sql, { ...options, limit: 1 }))).toEqual([older]);
    const [next] = await claimStaleSending(db.sql, { ...options, limit: 5 });
    expect(next).toMatchObject({ id: newer, state: 'sending' });
    expect(await claimStaleSending(db.sql, { ...options, limit: 5 })).toEqual([]);
  });
});

describe('reclaimOwnDeliveries', () => {
  it('returns this worker’s own unfinished claims as they are, not ones taken over or finished', async () => {
    db = await createTestDatabase();
    const home = await seedRunningCampaign(db.sql);
    const mine = await addDelivery(db.sql, home, { state: 'sending', lockedBy: 'w1', lockedAt: START });
    const takenOver = await addDelivery(db.sql, home, { lockedBy: 'w2', lockedAt: START });
    const finished = await addDelivery(db.sql, home, { state: 'sent', lockedBy: 'w1', lockedAt: START });

    const back = await reclaimOwnDeliveries(db.sql, {
      workerId: 'w1',
      now: at(5_000),
      ids: [mine, takenOver, finished],
    });

    expect(back.map((d) => [d.id, d.state])).toEqual([[mine, 'sending']]);
    const [row] = await db.sql`select locked_at from deliveries where id = ${mine}`;
    expect(row!.locked_at).toEqual(at(5_000));
    expect(await reclaimOwnDeliveries(db.sql, { workerId: 'w1', now: START, ids: [] })).toEqual([]);
  });
});

describe('releaseDeliveries and renewLeases', () => {
  it('act only on claims presented with this worker’s current lease token; a release leaves sending ones held', async () => {
    db = await createTestDatabase();
    const home = await seedRunningCampaign(db.sql);
    const a = await addDelivery(db.sql, home, { dueAt: at(-2) });
    const b = await addDelivery(db.sql, home, { dueAt: at(-1) });
    const sending = await addDelivery(db.sql, home, { state: 'sending', lockedBy: 'w1', lockedAt: START });
    const claimed = await claim(db.sql, 'w1', 2);
    const cb = claimed.find((d) => d.id === b)!;
    const stale = { id: a, runId: home.runId, leaseToken: String(OLD_TOKEN + 1) };
    const inSending = { id: sending, runId: home.runId, leaseToken: String(OLD_TOKEN) };

    expect(await renewLeases(db.sql, [stale, cb, inSending], { workerId: 'w1', now: at(10) })).toEqual(
      new Set([b, sending]),
    );
    expect(await renewLeases(db.sql, [cb], { workerId: 'w2', now: at(20) })).toEqual(new Set());
    expect(await renewLeases(db.sql, [], { workerId: 'w1', now: at(20) })).toEqual(new Set());

    await releaseDeliveries(db.sql, [stale, cb, inSending], 'w1');
    const rows = await db.sql`select id::text, state, locked_by, locked_at from deliveries order by id`;
    expect(rows).toEqual([
      { id: a, state: 'queued', locked_by: 'w1', locked_at: START },
      { id: b, state: 'queued', locked_by: null, locked_at: null },
      { id: sending, state: 'sending', locked_by: 'w1', locked_at: at(10) },
    ]);
  });
});

describe('measureClaim', () => {
  it('gives the server’s time and pages for a claim, and leaves nothing claimed', async () => {
    db = await createTestDatabase();
    const home = await seedRunningCampaign(db.sql);
    for (let i = 0; i < 3; i++) await addDelivery(db.sql, home, { dueAt: at(-i) });

    const cost = await measureClaim(db.sql, { workerId: 'bench', now: START, limit: 2, leaseMs: LEASE_MS });

    expect(cost.executionMs).toBeGreaterThan(0);
    expect(cost.sharedHit + cost.sharedRead).toBeGreaterThan(0);
    const [row] = await db.sql`select count(*)::int as held from deliveries where locked_by is not null`;
    expect(row!.held).toBe(0);
    expect(await claim(db.sql, 'w1', 5)).toHaveLength(3);
  });
});
