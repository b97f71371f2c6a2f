import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignPreview } from '../../../src/campaigns/preview.js';
import { formatPreview } from '../../../src/cli/commands/campaign.js';
import { createEngineHarness, type EngineHarness, seedContacts } from '../../support/engineHarness.js';
import { type ApiServer, startApiServer } from '../apiServer.js';

/**
 * `whatsappTemplate` and `attachment` through the HTTP API: stored and read back as written, refused
 * with the path of the field at fault, previewed as the exact @HSM@ text and file that will be sent,
 * and test-sent to the sandbox as such.
 */
const MINUTE = 60_000;
const FILE = 'https://cdn.example.com/offers/winter.jpg';

let h: EngineHarness;
let server: ApiServer;

beforeAll(async () => {
  h = await createEngineHarness({ whatsappDelayMs: 0 });
  const { client, gate } = await h.addWorker();
  server = await startApiServer(h.db, { clock: h.clock, chat2desk: { client, gate, whatsappDelayMs: 0 } });
  await seedContacts(h.db.sql, { count: 3, list: 'vip' });
});
afterAll(async () => {
  await server?.close();
  await h?.close();
});

interface Campaign {
  id: number;
  templateSource: string;
  whatsappTemplate: Record<string, unknown> | null;
  attachment: string | null;
  definition: Record<string, unknown>;
}
interface ErrorAnswer {
  error: { code: string; details: { issues: Array<{ path: string; message: string }> } };
}

const whatsappTemplate = {
  name: 'winter_offer',
  language: 'ru',
  header: { type: 'image' },
  body: ['{{firstName}}', '{{discount}}%'],
};

function offer(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Winter offer',
    kind: 'broadcast',
    transport: 'whatsapp',
    channelId: 1,
    whatsappTemplate,
    attachment: FILE,
    audience: { list: 'vip' },
    schedule: { at: new Date(h.clock.now().getTime() + 60 * MINUTE).toISOString() },
    ...overrides,
  };
}

async function create(overrides: Record<string, unknown> = {}): Promise<Campaign> {
  const answer = await server.call<Campaign>('POST', '/api/v1/campaigns', { json: offer(overrides) });
  expect(answer.status).toBe(201);
  return answer.body;
}

describe('a campaign with whatsappTemplate and attachment through the API', () => {
  it('is stored and read back as written', async () => {
    const created = await create();
    expect(created).toMatchObject({
      templateSource: '',
      whatsappTemplate: { ...whatsappTemplate, buttons: [] },
      attachment: FILE,
      definition: { whatsappTemplate, attachment: FILE },
    });
    const read = await server.call<Campaign>('GET', `/api/v1/campaigns/${created.id}`);
    expect(read.body).toMatchObject({ whatsappTemplate: created.whatsappTemplate, attachment: FILE });
  });

  it('keeps the fields when a draft is replaced, and drops them when the new definition has none', async () => {
    const draft = await create({ draft: true });
    const replaced = await server.call<Campaign>('PUT', `/api/v1/campaigns/${draft.id}`, {
      json: offer({ draft: true, attachment: 'https://cdn.example.com/spring.png' }),
    });
    expect(replaced.body).toMatchObject({ attachment: 'https://cdn.example.com/spring.png' });
    const plain = await server.call<Campaign>('PUT', `/api/v1/campaigns/${draft.id}`, {
      json: offer({
        draft: true,
        whatsappTemplate: undefined,
        attachment: undefined,
        template: 'Hi {{firstName}}',
      }),
    });
    expect(plain.body).toMatchObject({
      whatsappTemplate: null,
      attachment: null,
      templateSource: 'Hi {{firstName}}',
    });
  });

  it('is refused with every problem at the path of its field', async () => {
    const answer = await server.call<ErrorAnswer>('POST', '/api/v1/campaigns', {
      json: offer({
        transport: 'sms',
        whatsappTemplate: { ...whatsappTemplate, name: '', body: ['{{firstName}}', '{{#each}}'] },
        attachment: 'offer.jpg',
      }),
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('campaign_invalid');
    expect(answer.body.error.details.issues.map((i) => i.path)).toEqual([
      'whatsappTemplate',
      'whatsappTemplate.name',
      'whatsappTemplate.body[1]',
      'attachment',
    ]);
  });

  it('previews the exact @HSM@ text and the file that will be sent', async () => {
    const created = await create();
    const answer = await server.call<CampaignPreview>(
      'GET',
      `/api/v1/campaigns/${created.id}/preview?phone=79000000002`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      ok: true,
      text: '@HSM@\nwinter_offer|ru\nheader|image\nbody|text|Name2|12%',
      attachment: FILE,
    });
    expect(formatPreview(created.id, 'contact +79000000002', answer.body)).toContain(
      '@HSM@\nwinter_offer|ru\nheader|image\nbody|text|Name2|12%\n\nAttachment: https://cdn.example.com/offers/winter.jpg',
    );
  });

  it('previews a missing body variable as the worker would skip it', async () => {
    const created = await create({
      whatsappTemplate: { ...whatsappTemplate, body: ['{{firstName}}', '{{promoCode}}'] },
    });
    const answer = await server.call('GET', `/api/v1/campaigns/${created.id}/preview?phone=79000000002`);
    expect(answer.body).toMatchObject({
      ok: false,
      problem: 'missing_variable',
      missingVariable: 'promoCode',
    });
  });

  it('test-sends the markup with the file to the sandbox', async () => {
    const created = await create();
    const answer = await server.call('POST', `/api/v1/campaigns/${created.id}/test-send`, {
      json: { phone: '79000000003' },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      text: '@HSM@\nwinter_offer|ru\nheader|image\nbody|text|Name3|13%',
      attachment: FILE,
    });
    const client = h.sandbox.state.clientByPhone('79000000003')!;
    expect(h.sandbox.state.messagesTo(client.id).map((m) => [m.text, m.attachment, m.transport])).toEqual([
      ['@HSM@\nwinter_offer|ru\nheader|image\nbody|text|Name3|13%', FILE, 'whatsapp'],
    ]);
  });
});
