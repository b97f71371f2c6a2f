import { afterEach, describe, expect, it } from 'vitest';
import { TRANSPORTS_HELP_TTL_MS, TransportCapabilities } from '../../src/delivery/transportCapabilities.js';
import { createEngineHarness, type EngineHarness } from '../support/engineHarness.js';

/** Which files a transport takes, from the sandbox's GET /v1/help/transports, asked at most once an hour. */
let h: EngineHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const helpRequests = (harness: EngineHarness) =>
  harness.sandbox.state.requests.entries().filter((r) => r.path.startsWith('/v1/help/transports')).length;

describe('TransportCapabilities', () => {
  it("answers by the attachment's kind and the transport's to_client support", async () => {
    h = await createEngineHarness();
    const { client, gate } = await h.addWorker();
    const capabilities = new TransportCapabilities({ client, gate });
    expect(await capabilities.attachmentRefusal('whatsapp', 'https://x.example/a.jpg')).toBeNull();
    expect(await capabilities.attachmentRefusal('whatsapp', 'https://x.example/a.pdf')).toBeNull();
    expect(await capabilities.attachmentRefusal('whatsapp', 'https://x.example/a.mp4')).toMatch(
      /whatsapp does not take video files/,
    );
    expect(await capabilities.attachmentRefusal('sms', 'https://x.example/a.png')).toMatch(
      /sms does not take image files/,
    );
    // A transport the help does not list is left to Chat2Desk.
    expect(await capabilities.attachmentRefusal('wa_dialog', 'https://x.example/a.png')).toBeNull();
  });

  it('asks once for many deliveries at once, and again only after an hour', async () => {
    h = await createEngineHarness();
    const { client, gate } = await h.addWorker();
    let now = 0;
    const capabilities = new TransportCapabilities({ client, gate, now: () => now });
    await Promise.all(
      Array.from({ length: 5 }, () => capabilities.attachmentRefusal('viber', 'https://x.example/a.png')),
    );
    expect(helpRequests(h)).toBe(1);
    now += TRANSPORTS_HELP_TTL_MS - 1;
    await capabilities.attachmentRefusal('viber', 'https://x.example/a.png');
    expect(helpRequests(h)).toBe(1);
    now += 1;
    await capabilities.attachmentRefusal('viber', 'https://x.example/a.png');
    expect(helpRequests(h)).toBe(2);
  });
});
