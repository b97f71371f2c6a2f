import { afterEach, describe, expect, it } from 'vitest';
import { OptOutConfirmer } from '../../src/delivery/optOutConfirmations.js';
import { receiveWebhookEvent } from '../../src/delivery/webhookEvents.js';
import { createEngineHarness, type EngineHarness } from '../support/engineHarness.js';

/**
 * OPT_OUT_CONFIRMATION_TEXT against the sandbox: a client who writes STOP gets the text once — not
 * again for a replayed web hook, a second STOP, a second poll or a second instance.
 */
const TEXT = 'Вы отписаны от рассылки. You are unsubscribed.';
const MINUTE = 60_000;

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A consenting contact Chat2Desk knows on WhatsApp, and its sandbox client's id. */
async function knownContact(harness: EngineHarness, phone: string): Promise<number> {
  const client = harness.sandbox.state.addClient({ phone });
  harness.sandbox.state.addClientTransport(client, 1, 'whatsapp', 'api');
  await harness.db.sql`
    insert into contacts (phone, opted_in_at, chat2desk_client_id, chat2desk_transports)
    values (${phone}, now(), ${client.id}, '{whatsapp}')`;
  return client.id;
}

function confirmationsTo(harness: EngineHarness, clientId: number) {
  return harness.sandbox.state.messages.filter(
    (m) => m.type === 'to_client' && m.clientId === clientId && m.text === TEXT,
  );
}

describe('opt-out confirmations', () => {
  it('answers a STOP read by polling once, on its channel, whatever comes after', async () => {
    h = await createEngineHarness();
    const clientId = await knownContact(h, '79001230001');
    const { replies, client, gate } = await h.addWorker({ replyWatcher: { confirmOptOut: true } });
    const confirmer = new OptOutConfirmer({ sql: h.db.sql, client, gate, clock: h.clock, text: TEXT });
    await replies!.tick();

    await h.sandbox.clientReply(clientId, 'Стоп!', { transport: 'whatsapp', channelId: 1 });
    h.clock.advance(MINUTE);
    await replies!.tick();
    expect(await confirmer.sendDue()).toBe(1);

    const sent = confirmationsTo(h, clientId);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ transport: 'whatsapp' });
    const [row] = await h.db.sql`select attempted_at, sent_at, error from opt_out_confirmations`;
    expect(row).toMatchObject({ sent_at: h.clock.now(), error: null });

    // The client writes STOP again; the next polls and sends find nothing more to say.
    await h.sandbox.clientReply(clientId, 'STOP', { transport: 'whatsapp', channelId: 1 });
    h.clock.advance(MINUTE);
    await replies!.tick();
    h.clock.advance(MINUTE);
    await replies!.tick();
    expect(await confirmer.sendDue()).toBe(0);
    expect(confirmationsTo(h, clientId)).toHaveLength(1);
  });

  it('records one for a replayed web hook, and two instances send it once', async () => {
    h = await createEngineHarness();
    const clientId = await knownContact(h, '79001230002');
    const payload = {
      hook_type: 'inbox',
      message_id: 7001,
      text: 'stop',
      transport: 'whatsapp',
      client: { id: clientId },
    };
    const receive = () =>
      receiveWebhookEvent(h!.db.sql, payload, JSON.stringify(payload), {
        now: h!.clock.now(),
        confirmOptOut: true,
      });

    expect((await receive()).optedOut).toBe(true);
    expect((await receive()).duplicate).toBe(true);
    // A STOP with another message id: a new event, the same opt-out.
    await receiveWebhookEvent(h.db.sql, { ...payload, message_id: 7002 }, '{}', {
      now: h.clock.now(),
      confirmOptOut: true,
    });
    expect(await h.db.sql`select contact_id from opt_out_confirmations`).toHaveLength(1);

    const one = await h.addWorker();
    const two = await h.addWorker();
    const confirmers = [one, two].map(
      (w) => new OptOutConfirmer({ sql: w.sql, client: w.client, gate: w.gate, clock: h!.clock, text: TEXT }),
    );
    const sent = await Promise.all(confirmers.map((c) => c.sendDue()));

    expect(sent.reduce((a, b) => a + b, 0)).toBe(1);
    expect(confirmationsTo(h, clientId)).toHaveLength(1);
  });

  it('records nothing without OPT_OUT_CONFIRMATION_TEXT', async () => {
    h = await createEngineHarness();
    const clientId = await knownContact(h, '79001230003');
    const payload = { hook_type: 'inbox', message_id: 7101, text: 'STOP', client: { id: clientId } };

    expect((await receiveWebhookEvent(h.db.sql, payload, '{}', { now: h.clock.now() })).optedOut).toBe(true);
    expect(await h.db.sql`select 1 from opt_out_confirmations`).toHaveLength(0);
  });

  it('keeps a confirmation for later when the monthly quota is spent, spending nothing on it', async () => {
    h = await createEngineHarness();
    const clientId = await knownContact(h, '79001230004');
    const payload = { hook_type: 'inbox', message_id: 7201, text: 'STOP', client: { id: clientId } };
    await receiveWebhookEvent(h.db.sql, payload, '{}', { now: h.clock.now(), confirmOptOut: true });
    const { client, gate } = await h.addWorker({ monthlyQuota: 0 });
    const confirmer = new OptOutConfirmer({ sql: h.db.sql, client, gate, clock: h.clock, text: TEXT });

    expect(await confirmer.sendDue()).toBe(0);
    expect(await h.db.sql`select attempted_at from opt_out_confirmations`).toEqual([{ attempted_at: null }]);
    expect(confirmationsTo(h, clientId)).toHaveLength(0);
  });
});
