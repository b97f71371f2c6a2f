import { afterEach, describe, expect, it } from 'vitest';
import { MoveBatcher, moveDeliveriesTo } from '../../../src/delivery/sql/moveDeliveries.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { START } from '../../support/engineHarness.js';

let db: TestDatabase | undefined;
afterEach(async () => {
  await db?.drop();
  db = undefined;
});

/** The one campaign of a fresh test database: the deliveries' (a move to sending names it). */
const CAMPAIGN = 1;

/** n queued deliveries of one broadcast run, claimed by worker w1; returns their ids in order. */
async function claimedDeliveries(sql: TestDatabase['sql'], n: number): Promise<string[]> {
  await sql`
    insert into contacts (phone, opted_in_at) select (79000000000 + g)::text, ${START} from generate_series(1, ${n}::int) g`;
  const [campaign] = await sql<{ id: number }[]>`
    insert into campaigns (name, kind, status, transport, channel_id, definition, template_source)
    values ('batch', 'broadcast', 'running', 'sms', 1, '{}', 'Hi') returning id`;
  const [run] = await sql<{ id: number }[]>`
    insert into campaign_runs (campaign_id, scheduled_for) values (${campaign!.id}, ${START}) returning id`;
  const rows = await sql<{ id: string }[]>`
    insert into deliveries (run_id, campaign_id, contact_id, due_at, next_attempt_at, transport, locked_by, locked_at)
    select ${run!.id}, ${campaign!.id}, id, ${START}, ${START}, 'sms', 'w1', ${START} from contacts order by id
    returning id::text`;
  return rows.map((r) => r.id);
}

describe('moveDeliveriesTo', () => {
  it('moves each delivery on its own terms in one statement, and only those it may', async () => {
    db = await createTestDatabase();
    const [d1, d2, d3, d4] = await claimedDeliveries(db.sql, 4);
    await db.sql`update deliveries set state = 'skipped', reason = 'opted_out', locked_by = null where id = ${d4!}`;
    const now = new Date(START.getTime() + 1000);

    const moved = await moveDeliveriesTo(db.sql, 'sending', [
      {
        id: d1!,
        to: 'sending',
        reason: null,
        now,
        workerId: 'w1',
        campaignId: CAMPAIGN,
        changes: { renderedText: 'Hi one', chat2deskClientId: 101, attempts: 1 },
        details: { note: 'first' },
      },
      {
        id: d2!,
        to: 'sending',
        reason: null,
        now,
        workerId: 'w1',
        campaignId: CAMPAIGN,
        changes: { attempts: 1 },
      },
      { id: d3!, to: 'sending', reason: null, now, workerId: 'w2', campaignId: CAMPAIGN }, // not w2's: refused
      { id: d4!, to: 'sending', reason: null, now, workerId: 'w1', campaignId: CAMPAIGN }, // skipped is final: refused
    ]);
    expect([...moved].sort()).toEqual([d1, d2].sort());

    const rows = await db.sql<Record<string, unknown>[]>`
      select id::text, state, rendered_text, chat2desk_client_id::text as client_id, attempts, sending_at, locked_by
      from deliveries order by id`;
    expect(rows).toEqual([
      {
        id: d1,
        state: 'sending',
        rendered_text: 'Hi one',
        client_id: '101',
        attempts: 1,
        sending_at: now,
        locked_by: 'w1',
      },
      {
        id: d2,
        state: 'sending',
        rendered_text: null,
        client_id: null,
        attempts: 1,
        sending_at: now,
        locked_by: 'w1',
      },
      {
        id: d3,
        state: 'queued',
        rendered_text: null,
        client_id: null,
        attempts: 0,
        sending_at: null,
        locked_by: 'w1',
      },
      {
        id: d4,
        state: 'skipped',
        rendered_text: null,
        client_id: null,
        attempts: 0,
        sending_at: null,
        locked_by: null,
      },
    ]);
    const events = await db.sql<Record<string, unknown>[]>`
      select delivery_id::text as id, from_state, to_state, details, at from delivery_events order by delivery_id`;
    expect(events).toEqual([
      { id: d1, from_state: 'queued', to_state: 'sending', details: { note: 'first' }, at: now },
      { id: d2, from_state: 'queued', to_state: 'sending', details: null, at: now },
    ]);

    // Release and a message id, to a final state with a reason each.
    const sent = await moveDeliveriesTo(db.sql, 'sent', [
      {
        id: d1!,
        to: 'sent',
        reason: null,
        now,
        workerId: 'w1',
        changes: { chat2deskMessageId: 9001, release: true },
      },
      {
        id: d2!,
        to: 'sent',
        reason: null,
        now,
        workerId: 'w1',
        changes: { chat2deskMessageId: null, release: true },
      },
    ]);
    expect(sent.size).toBe(2);
    const after = await db.sql<Record<string, unknown>[]>`
      select chat2desk_message_id::text as message_id, locked_by, locked_at from deliveries where id in (${d1!}, ${d2!}) order by id`;
    expect(after).toEqual([
      { message_id: '9001', locked_by: null, locked_at: null },
      { message_id: null, locked_by: null, locked_at: null },
    ]);
  });
});

describe('MoveBatcher', () => {
  it('answers every caller of a burst of moves to different states, each for its own delivery', async () => {
    db = await createTestDatabase();
    const ids = await claimedDeliveries(db.sql, 60);
    const batcher = new MoveBatcher(db.sql, { maxBatch: 25 });
    const now = new Date(START.getTime() + 1000);
    const results = await Promise.all(
      ids.map((id, i) =>
        batcher.move(
          i % 3 === 0
            ? { id, to: 'skipped', reason: 'opted_out', now, workerId: 'w1', changes: { release: true } }
            : i % 3 === 1
              ? { id, to: 'waiting', reason: 'retry:x', now, workerId: 'w1', changes: { nextAttemptAt: now } }
              : {
                  id,
                  to: 'sending',
                  reason: null,
                  now,
                  workerId: i === 59 ? 'other' : 'w1',
                  campaignId: CAMPAIGN,
                },
        ),
      ),
    );
    expect(results.filter((r) => !r)).toHaveLength(1);
    expect(results[59]).toBe(false);
    const states = await db.sql<{ state: string; n: number }[]>`
      select state, count(*)::int as n from deliveries group by state order by state`;
    expect(states).toEqual([
      { state: 'queued', n: 1 },
      { state: 'waiting', n: 20 },
      { state: 'sending', n: 19 },
      { state: 'skipped', n: 20 },
    ]);
    const [events] = await db.sql<{ n: number }[]>`select count(*)::int as n from delivery_events`;
    expect(events!.n).toBe(59);
  });
});
