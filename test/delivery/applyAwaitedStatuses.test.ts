import { afterEach, describe, expect, it } from 'vitest';
import { AWAITED_STATUS_HORIZON_MS, applyAwaitedStatuses } from '../../src/delivery/applyAwaitedStatuses.js';
import { receiveWebhookEvent } from '../../src/delivery/webhookEvents.js';
import {
  createEngineHarness,
  deliveryStates,
  type EngineHarness,
  seedContacts,
  startBroadcast,
} from '../support/engineHarness.js';

const MINUTE = 60_000;
let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('a delivery status that outruns the record of its send', () => {
  it('is kept, and applied once a delivery holds its message id; one no delivery claims is let go after an hour', async () => {
    h = await createEngineHarness();
    await seedContacts(h.db.sql, { count: 1, list: 'vip' });
    const campaignId = await startBroadcast(h, { transport: 'viber', list: 'vip', template: 'Hi' });
    const { worker } = await h.addWorker();
    await worker.drain();
    const [sent] = await h.db.sql<{ id: string; message: string }[]>`
      select id, chat2desk_message_id::text as message from deliveries where campaign_id = ${campaignId}`;
    // As if the worker had not written `sent` yet when the web hook came: the message id is not recorded.
    await h.db.sql`update deliveries set chat2desk_message_id = null where id = ${sent!.id}`;

    const failed = {
      hook_type: 'outbox_status',
      message_id: Number(sent!.message),
      recipient_status: 'failed',
      error: 'User is blocked',
    };
    const early = await receiveWebhookEvent(h.db.sql, failed, JSON.stringify(failed), { now: h.clock.now() });
    expect(early).toEqual({ duplicate: false, optedOut: false, statusApplied: false });
    const notOurs = { hook_type: 'outbox_status', message_id: 999_999, recipient_status: 'delivered' };
    await receiveWebhookEvent(h.db.sql, notOurs, JSON.stringify(notOurs), { now: h.clock.now() });
    expect(await applyAwaitedStatuses(h.db.sql, h.clock.now())).toEqual({ applied: 0, dropped: 0 });

    // The worker's write comes: the kept report is applied with the messenger's words.
    await h.db.sql`update deliveries set chat2desk_message_id = ${sent!.message} where id = ${sent!.id}`;
    expect(await applyAwaitedStatuses(h.db.sql, h.clock.now())).toEqual({ applied: 1, dropped: 0 });
    expect(await deliveryStates(h.db.sql, campaignId)).toEqual({ failed: 1 });
    const [row] = await h.db.sql<{ reason: string }[]>`select reason from deliveries where id = ${sent!.id}`;
    expect(row!.reason).toBe('undeliverable:User is blocked');

    h.clock.advance(AWAITED_STATUS_HORIZON_MS + MINUTE);
    expect(await applyAwaitedStatuses(h.db.sql, h.clock.now())).toEqual({ applied: 0, dropped: 1 });
    const [left] = await h.db.sql<{ n: number }[]>`
      select count(*)::int as n from webhook_events where processed_at is null`;
    expect(left!.n).toBe(0);
  });
});
