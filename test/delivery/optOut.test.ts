import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStopMessage, optOutContact } from '../../src/delivery/optOut.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

describe('isStopMessage', () => {
  it.each([
    'STOP',
    'stop',
    ' Stop! ',
    'СТОП',
    'стоп.',
    'Стоп рассылка',
    'отписаться',
    'Unsubscribe',
    'STOP ALL',
  ])('reads %j as a request to stop', (text) => expect(isStopMessage(text)).toBe(true));

  it.each(['', null, 'stop by tomorrow?', 'Please do not stop', 'стопка', 'hello', 'STOPPED'])(
    'does not read %j as one',
    (text) => expect(isStopMessage(text)).toBe(false),
  );
});

describe('optOutContact', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('opts the contact out and skips every delivery of theirs not yet sent, leaving sent ones alone', async () => {
    const at = new Date('2026-11-27T08:00:00Z');
    const [contact] = await db.sql`
      insert into contacts (phone, opted_in_at, chat2desk_client_id) values ('79001112233', ${at}, 555) returning id`;
    const [campaign] = await db.sql`
      insert into campaigns (name, kind, status, transport, definition, template_source)
      values ('c', 'broadcast', 'running', 'sms', '{}', 'hi') returning id`;
    for (const [i, state] of (['queued', 'waiting', 'sent'] as const).entries()) {
      const [run] = await db.sql`
        insert into campaign_runs (campaign_id, scheduled_for) values (${campaign!.id}, ${new Date(at.getTime() + i)})
        returning id`;
      await db.sql`
        insert into deliveries (run_id, campaign_id, contact_id, state, due_at, next_attempt_at, transport)
        values (${run!.id}, ${campaign!.id}, ${contact!.id}, ${state}, ${at}, ${at}, 'sms')`;
    }

    const result = await optOutContact(db.sql, { chat2deskClientId: 555 }, { reason: 'stop_reply', now: at });

    expect(result).toEqual({ contactIds: [contact!.id], deliveriesSkipped: 2 });
    const states = await db.sql`select state, reason from deliveries order by id`;
    expect(states).toEqual([
      { state: 'skipped', reason: 'opted_out' },
      { state: 'skipped', reason: 'opted_out' },
      { state: 'sent', reason: null },
    ]);
    const [row] = await db.sql`select opted_out_at, opt_out_reason from contacts where id = ${contact!.id}`;
    expect(row).toEqual({ opted_out_at: at, opt_out_reason: 'stop_reply' });
    const events = await db.sql`select from_state, to_state, reason from delivery_events order by id`;
    expect(events).toEqual([
      { from_state: 'queued', to_state: 'skipped', reason: 'opted_out' },
      { from_state: 'waiting', to_state: 'skipped', reason: 'opted_out' },
    ]);
  });
});
