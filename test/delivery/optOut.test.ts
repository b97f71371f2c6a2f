import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStopMessage, optOutContact, StopVocabulary } from '../../src/delivery/optOut.js';
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

describe('StopVocabulary', () => {
  it.each([
    'stop please',
    'Please stop!',
    'Больше не пишите',
    'не пишите мне!!',
    'STOP 🙏',
    'Стоп, пожалуйста',
    'отписаться 😡',
  ])('reads %j as a STOP by default', (text) => expect(StopVocabulary.default.isStop(text)).toBe(true));

  it('matches the whole message only: a keyword among other words looks like a STOP but is not one', () => {
    const vocabulary = StopVocabulary.default;
    for (const text of [
      "don't stop sending me deals",
      'стоп спам',
      'please stop it',
      'отпишите меня пожалуйста',
    ]) {
      expect(vocabulary.isStop(text), text).toBe(false);
      expect(vocabulary.looksLikeStop(text), text).toBe(true);
    }
    for (const text of ['STOP', 'спасибо, до завтра', 'стопка блинов', '', null])
      expect(vocabulary.looksLikeStop(text), String(text)).toBe(false);
  });

  it('takes a configured vocabulary instead of the defaults, with ё as е; `default` keeps them beside it', () => {
    const own = new StopVocabulary(['Хватит спама', 'ОТПИСКА ЁЖ']);
    expect(own.isStop('хватит спама!')).toBe(true);
    expect(own.isStop('отписка еж')).toBe(true);
    expect(own.isStop('stop')).toBe(false);
    expect(isStopMessage('хватит спама', own)).toBe(true);
    expect(isStopMessage('хватит спама')).toBe(false);

    const widened = new StopVocabulary(['default', 'хватит спама']);
    expect(widened.isStop('хватит спама')).toBe(true);
    expect(widened.isStop('STOP')).toBe(true);
  });
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
