import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StopVocabulary } from '../../src/delivery/optOut.js';
import {
  AWAITING_DELIVERY,
  receiveWebhookEvent,
  type WebhookPayload,
} from '../../src/delivery/webhookEvents.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { START } from '../support/engineHarness.js';
import { deliveryRow, seedContact, seedDelivery, seedRunningCampaign } from '../support/seedDeliveries.js';

const NOW = new Date(START.getTime() + 10 * 60_000);
const LATER = new Date(NOW.getTime() + 10_000);

let db: TestDatabase;
let home: { campaignId: number; runId: number };
beforeEach(async () => {
  db = await createTestDatabase();
  home = await seedRunningCampaign(db.sql);
});
afterEach(async () => {
  await db.drop();
});

function receive(payload: WebhookPayload, options: { now?: Date; phoneRegion?: 'RU' } = {}) {
  return receiveWebhookEvent(db.sql, payload, JSON.stringify(payload), { now: NOW, ...options });
}

async function contactOptOut(id: number) {
  const [row] = await db.sql<{ opted_out_at: Date | null; opt_out_reason: string | null }[]>`
    select opted_out_at, opt_out_reason from contacts where id = ${id}`;
  return row!;
}

async function storedEvents() {
  return db.sql<
    {
      dedupe_key: string;
      hook_type: string | null;
      message_type: string | null;
      client: string | null;
      message: string | null;
      processed_at: Date | null;
      error: string | null;
    }[]
  >`
    select dedupe_key, hook_type, message_type, chat2desk_client_id::text as client,
           chat2desk_message_id::text as message, processed_at, error
    from webhook_events order by id`;
}

describe('receiveWebhookEvent: a STOP reply', () => {
  it('opts out the contact known by its Chat2Desk client id and skips what was still to be sent to them', async () => {
    const contactId = await seedContact(db.sql, '79005550011', { chat2deskClientId: 777_001 });
    const pending = await seedDelivery(db.sql, home, { contactId, state: 'queued' });

    const outcome = await receive({
      hook_type: 'inbox',
      message_id: 4401,
      text: 'Stop!',
      client: { id: 777_001 },
    });

    expect(outcome).toEqual({ duplicate: false, optedOut: true, statusApplied: false });
    expect(await contactOptOut(contactId)).toEqual({ opted_out_at: NOW, opt_out_reason: 'stop_reply' });
    expect(await deliveryRow(db.sql, pending)).toEqual({ state: 'skipped', reason: 'opted_out' });
    expect(await storedEvents()).toEqual([
      {
        dedupe_key: 'inbox:4401:',
        hook_type: 'inbox',
        message_type: null,
        client: '777001',
        message: '4401',
        processed_at: NOW,
        error: null,
      },
    ]);
  });

  it('reads the v1.08 shape (type from_client, client_id) as well', async () => {
    const contactId = await seedContact(db.sql, '79005550012', { chat2deskClientId: 777_002 });

    const outcome = await receive({ id: 4402, type: 'from_client', text: 'стоп', client_id: 777_002 });

    expect(outcome.optedOut).toBe(true);
    expect((await contactOptOut(contactId)).opt_out_reason).toBe('stop_reply');
    expect((await storedEvents())[0]).toMatchObject({
      dedupe_key: 'from_client:4402:',
      message_type: 'from_client',
    });
  });

  it('matches by phone when no contact has the client id, reading a national phone in the given region', async () => {
    const byFullPhone = await seedContact(db.sql, '79005550013');
    const byNationalPhone = await seedContact(db.sql, '79005550014');

    const full = await receive({
      hook_type: 'inbox',
      message_id: 4403,
      text: 'STOP',
      client: { id: 123_456, phone: '+7 900 555-00-13' },
    });
    const national = await receive(
      { hook_type: 'inbox', message_id: 4404, text: 'STOP', client: { client_phone: '9005550014' } },
      { phoneRegion: 'RU' },
    );

    expect(full.optedOut).toBe(true);
    expect(national.optedOut).toBe(true);
    expect((await contactOptOut(byFullPhone)).opted_out_at).toEqual(NOW);
    expect((await contactOptOut(byNationalPhone)).opted_out_at).toEqual(NOW);
  });

  it('opts out nobody for a STOP from a client no contact matches, or one that says who it is from no way', async () => {
    const contactId = await seedContact(db.sql, '79005550015', { chat2deskClientId: 777_005 });

    const stranger = await receive({ hook_type: 'inbox', message_id: 4405, text: 'STOP', client: { id: 1 } });
    const anonymous = await receive({ hook_type: 'inbox', message_id: 4406, text: 'STOP' });

    expect(stranger).toEqual({ duplicate: false, optedOut: false, statusApplied: false });
    expect(anonymous).toEqual({ duplicate: false, optedOut: false, statusApplied: false });
    expect((await contactOptOut(contactId)).opted_out_at).toBeNull();
    // Both were handled: processed, with nothing left to retry.
    expect((await storedEvents()).map((e) => e.processed_at)).toEqual([NOW, NOW]);
  });

  it('takes an ordinary reply, or a STOP we sent ourselves, for no opt-out', async () => {
    const contactId = await seedContact(db.sql, '79005550016', { chat2deskClientId: 777_006 });

    const reply = await receive({
      hook_type: 'inbox',
      message_id: 4407,
      text: 'stop sending me this',
      client_id: 777_006,
    });
    const ours = await receive({
      hook_type: 'outbox',
      message_id: 4408,
      type: 'to_client',
      text: 'STOP',
      client_id: 777_006,
    });

    expect(reply.optedOut).toBe(false);
    expect(ours.optedOut).toBe(false);
    expect((await contactOptOut(contactId)).opted_out_at).toBeNull();
  });
});

describe('receiveWebhookEvent: a replayed call', () => {
  it('reads STOP in the configured vocabulary only, as a whole message', async () => {
    const contactId = await seedContact(db.sql, '79005550031', { chat2deskClientId: 777_031 });
    const vocabulary = new StopVocabulary(['хватит спама']);
    const reply = (id: number, text: string) =>
      receiveWebhookEvent(
        db.sql,
        { hook_type: 'inbox', message_id: id, text, client: { id: 777_031 } },
        '{}',
        { now: NOW, stopVocabulary: vocabulary },
      );

    expect((await reply(4431, 'STOP')).optedOut).toBe(false);
    expect((await contactOptOut(contactId)).opted_out_at).toBeNull();
    expect((await reply(4432, 'Хватит спама!')).optedOut).toBe(true);
    expect(await contactOptOut(contactId)).toEqual({ opted_out_at: NOW, opt_out_reason: 'stop_reply' });
  });

  it('records a reply that looks like a STOP but is not one with its flag, and applies nothing', async () => {
    const contactId = await seedContact(db.sql, '79005550032', { chat2deskClientId: 777_032 });
    const pending = await seedDelivery(db.sql, home, { contactId, state: 'queued' });

    const near = await receive({
      hook_type: 'inbox',
      message_id: 4441,
      text: 'стоп спам',
      client: { id: 777_032 },
    });
    await receive({ hook_type: 'inbox', message_id: 4442, text: 'спасибо!', client: { id: 777_032 } });
    await receive({ hook_type: 'inbox', message_id: 4443, text: 'STOP', client: { id: 777_099 } });

    expect(near.optedOut).toBe(false);
    expect((await deliveryRow(db.sql, pending)).state).toBe('queued');
    const flags =
      await db.sql`select chat2desk_message_id::text as message, looks_like_stop from webhook_events order by id`;
    expect(flags).toEqual([
      { message: '4441', looks_like_stop: true },
      { message: '4442', looks_like_stop: false },
      { message: '4443', looks_like_stop: false },
    ]);
  });

  it('acts once: the same event again is a duplicate and changes nothing', async () => {
    const contactId = await seedContact(db.sql, '79005550021', { chat2deskClientId: 777_021 });
    const payload = { hook_type: 'inbox', message_id: 4501, text: 'STOP', client_id: 777_021 };

    await receive(payload);
    const again = await receiveWebhookEvent(db.sql, payload, JSON.stringify(payload), { now: LATER });

    expect(again).toEqual({ duplicate: true, optedOut: false, statusApplied: false });
    expect(await storedEvents()).toHaveLength(1);
    expect((await storedEvents())[0]!.processed_at).toEqual(NOW);
    expect((await contactOptOut(contactId)).opted_out_at).toEqual(NOW);
  });

  it('tells events without a message id apart by their body', async () => {
    const first = { hook_type: 'inbox', text: 'hello' };

    expect((await receive(first)).duplicate).toBe(false);
    expect((await receive(first)).duplicate).toBe(true);
    expect((await receive({ hook_type: 'inbox', text: 'hello again' })).duplicate).toBe(false);

    const keys = (await storedEvents()).map((e) => e.dedupe_key);
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(key).toMatch(/^body:[0-9a-f]{64}$/);
  });

  it('applies a call whose processing failed on its retry, instead of taking the retry for a duplicate', async () => {
    const contactId = await seedContact(db.sql, '79005550022', { chat2deskClientId: 777_022 });
    // The database refuses the opt-out once (a sequence counts attempts: it is not rolled back).
    await db.sql.unsafe(`
      create sequence opt_out_attempts;
      create function refuse_opt_out_once() returns trigger language plpgsql as $$
      begin
        if new.opted_out_at is not null and old.opted_out_at is null and nextval('opt_out_attempts') = 1 then
          raise exception 'the database refused the write';
        end if;
        return new;
      end $$;
      create trigger refuse_opt_out before update on contacts
        for each row execute function refuse_opt_out_once();`);
    const payload = { hook_type: 'inbox', message_id: 4502, text: 'STOP', client_id: 777_022 };

    await expect(receive(payload)).rejects.toThrow('the database refused the write');
    expect(await storedEvents()).toEqual([
      expect.objectContaining({ processed_at: null, error: 'the database refused the write' }),
    ]);
    expect((await contactOptOut(contactId)).opted_out_at).toBeNull();

    const retried = await receiveWebhookEvent(db.sql, payload, JSON.stringify(payload), { now: LATER });

    expect(retried).toEqual({ duplicate: false, optedOut: true, statusApplied: false });
    expect(await contactOptOut(contactId)).toEqual({ opted_out_at: LATER, opt_out_reason: 'stop_reply' });
    expect(await storedEvents()).toEqual([expect.objectContaining({ processed_at: LATER, error: null })]);
    expect((await receive(payload)).duplicate).toBe(true);
  });
});

describe('receiveWebhookEvent: a status of one of our messages', () => {
  it('applies each status of a message once, each its own event', async () => {
    const contactId = await seedContact(db.sql, '79005550031');
    const id = await seedDelivery(db.sql, home, { contactId, state: 'sent', messageId: 9001 });

    const delivered = await receive({
      hook_type: 'outbox_status',
      message_id: 9001,
      recipient_status: 'delivered',
    });
    const read = await receive({ hook_type: 'outbox_status', message_id: 9001, recipient_status: 'read' });
    const replayed = await receive({
      hook_type: 'outbox_status',
      message_id: 9001,
      recipient_status: 'delivered',
    });

    expect(delivered).toEqual({ duplicate: false, optedOut: false, statusApplied: true });
    expect(read).toEqual({ duplicate: false, optedOut: false, statusApplied: true });
    expect(replayed.duplicate).toBe(true);
    expect((await deliveryRow(db.sql, id)).state).toBe('read');
    expect((await storedEvents()).map((e) => e.dedupe_key)).toEqual([
      'outbox_status:9001:delivered',
      'outbox_status:9001:read',
    ]);
  });

  it("fails a message with the messenger's words, given as text or inside an object", async () => {
    const a = await seedDelivery(db.sql, home, {
      contactId: await seedContact(db.sql, '79005550032'),
      state: 'sent',
      messageId: 9002,
    });
    const b = await seedDelivery(db.sql, home, {
      contactId: await seedContact(db.sql, '79005550033'),
      state: 'sent',
      messageId: 9003,
    });
    const c = await seedDelivery(db.sql, home, {
      contactId: await seedContact(db.sql, '79005550034'),
      state: 'sent',
      messageId: 9004,
    });

    await receive({
      hook_type: 'outbox_status',
      message_id: 9002,
      recipient_status: 'failed',
      error: 'Blocked',
    });
    await receive({ hook_type: 'outbox_status', id: 9003, status: 'failed', error: { text: 'No WhatsApp' } });
    await receive({
      hook_type: 'outbox_status',
      message_id: 9004,
      recipient_status: 'failed',
      error: { code: 5 } as never,
    });

    expect(await deliveryRow(db.sql, a)).toEqual({ state: 'failed', reason: 'undeliverable:Blocked' });
    expect(await deliveryRow(db.sql, b)).toEqual({ state: 'failed', reason: 'undeliverable:No WhatsApp' });
    expect(await deliveryRow(db.sql, c)).toEqual({ state: 'failed', reason: 'undeliverable' });
  });

  it('reports a status that moves nothing as not applied, the event still processed', async () => {
    const id = await seedDelivery(db.sql, home, {
      contactId: await seedContact(db.sql, '79005550035'),
      state: 'read',
      messageId: 9005,
    });

    const outcome = await receive({
      hook_type: 'outbox_status',
      message_id: 9005,
      recipient_status: 'delivered',
    });

    expect(outcome).toEqual({ duplicate: false, optedOut: false, statusApplied: false });
    expect((await deliveryRow(db.sql, id)).state).toBe('read');
    expect((await storedEvents())[0]!.processed_at).toEqual(NOW);
  });

  it('keeps a status of a message no delivery holds yet, unprocessed and marked, and takes it again when resent', async () => {
    const payload = { hook_type: 'outbox_status', message_id: 9006, recipient_status: 'delivered' };

    expect(await receive(payload)).toEqual({ duplicate: false, optedOut: false, statusApplied: false });
    expect(await storedEvents()).toEqual([
      expect.objectContaining({ message: '9006', processed_at: null, error: AWAITING_DELIVERY }),
    ]);

    // The send is recorded; Chat2Desk's retry of the same event is then applied, not a duplicate.
    const id = await seedDelivery(db.sql, home, {
      contactId: await seedContact(db.sql, '79005550036'),
      state: 'sent',
      messageId: 9006,
    });
    const retried = await receiveWebhookEvent(db.sql, payload, JSON.stringify(payload), { now: LATER });

    expect(retried).toEqual({ duplicate: false, optedOut: false, statusApplied: true });
    expect((await deliveryRow(db.sql, id)).state).toBe('delivered');
    expect(await storedEvents()).toEqual([expect.objectContaining({ processed_at: LATER, error: null })]);
  });
});
