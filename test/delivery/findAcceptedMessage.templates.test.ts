import { afterEach, describe, expect, it } from 'vitest';
import { findAcceptedMessage } from '../../src/delivery/findAcceptedMessage.js';
import { createEngineHarness, type EngineHarness } from '../support/engineHarness.js';

/**
 * Reconciliation after a lost answer for the messages a WhatsApp template or an attachment makes:
 * the @HSM@ markup is matched as the text it was sent as, and a file sent alone (recorded with an
 * empty text, listed with none) is matched too.
 */
let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function whatsappClient(harness: EngineHarness) {
  const { client, gate, sql } = await harness.addWorker();
  const created = await client.createClient({ phone: '79161234568', transport: 'whatsapp' });
  return { deps: { client, gate, sql }, clientId: created.id };
}

describe('findAcceptedMessage for templates and files', () => {
  it('finds a template message by its @HSM@ markup', async () => {
    h = await createEngineHarness({ whatsappDelayMs: 0 });
    const { deps, clientId } = await whatsappClient(h);
    const text = '@HSM@\norder_update|ru\nbody|text|Anna|A-1001';
    const sendingAt = h.clock.now();
    await deps.client.sendMessage({ clientId, text: '@HSM@\norder_update|ru\nbody|text|Anna|A-1000' });
    const lost = await deps.client.sendMessage({ clientId, text });
    const found = await findAcceptedMessage(deps, {
      id: '1',
      chat2deskClientId: String(clientId),
      renderedText: text,
      sendingAt,
    });
    expect(found?.id).toBe(lost.message_id);
  });

  it('finds a file sent alone, recorded with an empty text', async () => {
    h = await createEngineHarness({ whatsappDelayMs: 0 });
    const { deps, clientId } = await whatsappClient(h);
    const sendingAt = h.clock.now();
    await deps.client.sendMessage({ clientId, text: 'Hello' });
    const lost = await deps.client.sendMessage({ clientId, attachment: 'https://cdn.example.com/price.pdf' });
    const delivery = { id: '1', chat2deskClientId: String(clientId), renderedText: '', sendingAt };
    expect((await findAcceptedMessage(deps, delivery))?.id).toBe(lost.message_id);
  });
});
