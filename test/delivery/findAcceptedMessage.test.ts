import { afterEach, describe, expect, it } from 'vitest';
import { findAcceptedMessage } from '../../src/delivery/findAcceptedMessage.js';
import { createEngineHarness, type EngineHarness } from '../support/engineHarness.js';

const MINUTE = 60_000;

let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/**
 * A client with a long history (250 earlier messages from us), then the message whose answer was
 * lost: only the newest messages can hold it.
 */
async function clientWithHistory(harness: EngineHarness) {
  const { client, gate, sql } = await harness.addWorker();
  const created = await client.createClient({ phone: '79161234567', transport: 'sms' });
  for (let i = 0; i < 250; i++) await client.sendMessage({ clientId: created.id, text: `old news ${i}` });
  harness.clock.advance(60 * MINUTE);
  const sendingAt = harness.clock.now();
  const lost = await client.sendMessage({ clientId: created.id, text: 'Your order is ready' });
  const delivery = {
    id: '1',
    chat2deskClientId: String(created.id),
    renderedText: 'Your order is ready',
    sendingAt,
  };
  return { deps: { client, gate, sql }, delivery, lostId: lost.message_id };
}

describe('findAcceptedMessage', () => {
  it('finds the message whose answer was lost behind a long history', async () => {
    h = await createEngineHarness();
    const { deps, delivery, lostId } = await clientWithHistory(h);
    expect((await findAcceptedMessage(deps, delivery))?.id).toBe(lostId);
  });

  it('finds it too where the service ignores `order` and `offset` (live-style paging), paging forward by start_id', async () => {
    h = await createEngineHarness({ sandbox: { livePaging: true } });
    const { deps, delivery, lostId } = await clientWithHistory(h);
    expect((await findAcceptedMessage(deps, delivery))?.id).toBe(lostId);
    // The oldest page, then the rest from start_id: two requests, and no blind resend.
    expect(deps.client.requestCounts()['GET /v1/messages']).toBe(2);
  });

  it('says "not there" when nothing since the send has our text', async () => {
    h = await createEngineHarness({ sandbox: { livePaging: true } });
    const { deps, delivery } = await clientWithHistory(h);
    expect(await findAcceptedMessage(deps, { ...delivery, renderedText: 'Something else' })).toBeUndefined();
  });
});
