import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Timekeeper } from '../../../src/scheduler/timekeeper.js';
import { createEngineHarness, type EngineHarness, START, seedContacts } from '../../support/engineHarness.js';
import { type ApiServer, startApiServer } from '../apiServer.js';

const MINUTE = 60_000;

let h: EngineHarness;
let server: ApiServer;

beforeAll(async () => {
  h = await createEngineHarness({ whatsappDelayMs: 7 * MINUTE });
  const { client, gate } = await h.addWorker();
  server = await startApiServer(h.db, {
    clock: h.clock,
    chat2desk: { client, gate, whatsappDelayMs: 7 * MINUTE },
  });
  await seedContacts(h.db.sql, { count: 30, list: 'vip', noConsentEvery: 10 });
});
afterAll(async () => {
  await server?.close();
  await h?.close();
});

interface Campaign {
  id: number;
  name: string;
  status: string;
  kind: string;
  nextRunAt: string | null;
  definition: Record<string, unknown>;
  counts: Record<string, number>;
  runs: unknown[];
}
interface ErrorAnswer {
  error: { code: string; message: string; details: Record<string, unknown> & { issues?: unknown[] } };
}

function broadcast(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Black Friday',
    kind: 'broadcast',
    transport: 'sms',
    template: 'Hi {{firstName}}, {{discount}}% off',
    audience: { list: 'vip' },
    schedule: { at: new Date(h.clock.now().getTime() + 60 * MINUTE).toISOString() },
    ...overrides,
  };
}

async function create(overrides: Record<string, unknown> = {}): Promise<Campaign> {
  const answer = await server.call<Campaign>('POST', '/api/v1/campaigns', { json: broadcast(overrides) });
  expect(answer.status).toBe(201);
  return answer.body;
}

describe('creating a campaign', () => {
  it('stores a JSON campaign, scheduled, and answers 201 with its location', async () => {
    const answer = await server.call<Campaign>('POST', '/api/v1/campaigns', { json: broadcast() });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('location')).toBe(`/api/v1/campaigns/${answer.body.id}`);
    expect(answer.body).toMatchObject({
      name: 'Black Friday',
      kind: 'broadcast',
      status: 'scheduled',
      definition: { audience: { list: 'vip' } },
      counts: { queued: 0, sent: 0 },
      runs: [],
    });
    expect(answer.body.nextRunAt).toBe(new Date(START.getTime() + 60 * MINUTE).toISOString());
  });

  it('warns in `warnings` when recipients have no time zone and the campaign has a send window', async () => {
    const windowed = await server.call<Campaign & { warnings: string[] }>('POST', '/api/v1/campaigns', {
      json: broadcast({ name: 'Windowed', sendWindow: { from: '09:00', to: '21:00' } }),
    });
    expect(windowed.status).toBe(201);
    expect(windowed.body.warnings).toEqual([
      '30 recipients have no time zone: their window is evaluated in UTC (the campaign has no timezone)',
    ]);
    const zoned = await server.call<Campaign & { warnings: string[] }>('POST', '/api/v1/campaigns', {
      json: broadcast({
        name: 'Zoned',
        sendWindow: { from: '09:00', to: '21:00' },
        timezone: 'Europe/Moscow',
      }),
    });
    expect(zoned.body.warnings).toEqual([
      "30 recipients have no time zone: their window is evaluated in Europe/Moscow (the campaign's timezone)",
    ]);
    const windowless = await server.call<Campaign & { warnings: string[] }>('POST', '/api/v1/campaigns', {
      json: broadcast({ name: 'Windowless' }),
    });
    expect(windowless.body.warnings).toEqual([]);
  });

  it('accepts the same campaign written in YAML', async () => {
    const yaml = [
      'name: Cyber Monday',
      'kind: broadcast',
      'transport: viber',
      'template: "Hello {{name}}"',
      'audience: { list: vip }',
      'schedule:',
      '  cron: "0 10 * * MON"',
      '  timezone: Europe/Moscow',
      'draft: true',
    ].join('\n');
    const answer = await server.call<Campaign>('POST', '/api/v1/campaigns', {
      body: yaml,
      contentType: 'application/yaml; charset=utf-8',
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ name: 'Cyber Monday', status: 'draft', nextRunAt: null });
  });

  it('lists every problem of an invalid campaign with its field path', async () => {
    const answer = await server.call<ErrorAnswer>('POST', '/api/v1/campaigns', {
      json: broadcast({ transport: 'pigeon', rateLimit: { perSecond: -1 }, sendWindw: {} }),
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('campaign_invalid');
    expect(answer.body.error.details.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'transport' }),
        expect.objectContaining({ path: 'rateLimit.perSecond' }),
        expect.objectContaining({ path: 'sendWindw', message: expect.stringContaining('unknown field') }),
      ]),
    );
  });

  it('names a list that does not exist at audience.list', async () => {
    const answer = await server.call<ErrorAnswer>('POST', '/api/v1/campaigns', {
      json: broadcast({ audience: { list: 'nobody' } }),
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.issues).toEqual([
      { path: 'audience.list', message: 'no contact list named "nobody"' },
    ]);
  });

  it('points at the line of a problem in YAML', async () => {
    const answer = await server.call<ErrorAnswer>('POST', '/api/v1/campaigns', {
      body: 'name: X\nkind: broadcast\ntransport: sms\ntemplate: hi\naudience: { list: vip }\nschedule: { at: yesterday }\n',
      contentType: 'application/yaml',
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.issues).toEqual([
      expect.objectContaining({ path: 'schedule.at', line: 6 }),
    ]);
  });

  it('refuses a template that does not compile, at the template field', async () => {
    const answer = await server.call<ErrorAnswer>('POST', '/api/v1/campaigns', {
      json: broadcast({ template: 'Hi {{#if name}}' }),
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.issues).toEqual([expect.objectContaining({ path: 'template' })]);
  });

  it('refuses a body that is not a campaign object', async () => {
    const answer = await server.call<ErrorAnswer>('POST', '/api/v1/campaigns', {
      json: ['not', 'an', 'object'],
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('campaign_invalid');
  });
});

describe('reading campaigns', () => {
  it('pages and filters the list, newest first', async () => {
    const draft = await create({ name: 'Listed draft', draft: true });
    const all = await server.call<{ items: Campaign[]; total: number; limit: number; offset: number }>(
      'GET',
      '/api/v1/campaigns?limit=2',
    );
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(2);
    expect(all.body.items[0]?.id).toBe(draft.id);
    expect(all.body).toMatchObject({ limit: 2, offset: 0 });
    const [count] = await h.db.sql`select count(*)::int as n from campaigns`;
    expect(all.body.total).toBe(count?.n);

    const drafts = await server.call<{ items: Campaign[]; total: number }>(
      'GET',
      '/api/v1/campaigns?status=draft&limit=200',
    );
    expect(drafts.body.items.every((c) => c.status === 'draft')).toBe(true);
    expect(drafts.body.items.map((c) => c.id)).toContain(draft.id);
    const reminders = await server.call<{ items: Campaign[]; total: number }>(
      'GET',
      '/api/v1/campaigns?kind=reminder',
    );
    expect(reminders.body).toMatchObject({ items: [], total: 0 });
    const second = await server.call<{ items: Campaign[]; offset: number }>(
      'GET',
      '/api/v1/campaigns?limit=1&offset=1',
    );
    expect(second.body.items[0]?.id).toBe(all.body.items[1]?.id);
  });

  it('refuses an unknown status filter', async () => {
    const answer = await server.call<ErrorAnswer>('GET', '/api/v1/campaigns?status=sleeping');
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.issues).toEqual([expect.objectContaining({ path: 'status' })]);
  });
});

describe('editing a draft', () => {
  it('replaces a draft and keeps it a draft', async () => {
    const draft = await create({ draft: true });
    const answer = await server.call<Campaign>('PUT', `/api/v1/campaigns/${draft.id}`, {
      json: broadcast({ name: 'Renamed', template: 'Bye {{name}}' }),
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: draft.id, name: 'Renamed', status: 'draft' });
    const [row] = await h.db.sql`select template_source from campaigns where id = ${draft.id}`;
    expect(row?.template_source).toBe('Bye {{name}}');
  });

  it('refuses to replace or delete a campaign that is no longer a draft, with 409', async () => {
    const live = await create();
    const put = await server.call<ErrorAnswer>('PUT', `/api/v1/campaigns/${live.id}`, { json: broadcast() });
    expect(put.status).toBe(409);
    expect(put.body.error.code).toBe('campaign_not_draft');
    const del = await server.call<ErrorAnswer>('DELETE', `/api/v1/campaigns/${live.id}`);
    expect(del.status).toBe(409);
    expect(del.body.error).toMatchObject({ code: 'campaign_not_draft', details: { status: 'scheduled' } });
  });

  it('validates a replacement as it validates a new campaign', async () => {
    const draft = await create({ draft: true });
    const answer = await server.call<ErrorAnswer>('PUT', `/api/v1/campaigns/${draft.id}`, {
      json: broadcast({ kind: 'newsletter' }),
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.issues).toEqual([expect.objectContaining({ path: 'kind' })]);
  });

  it('deletes a draft', async () => {
    const draft = await create({ draft: true });
    const answer = await server.call('DELETE', `/api/v1/campaigns/${draft.id}`);
    expect(answer.status).toBe(204);
    expect((await server.call('GET', `/api/v1/campaigns/${draft.id}`)).status).toBe(404);
  });
});

describe('the campaign lifecycle', () => {
  it('publishes a draft, pauses, resumes and cancels it', async () => {
    const draft = await create({ draft: true });
    const published = await server.call<{ campaign: Campaign; transition: object }>(
      'POST',
      `/api/v1/campaigns/${draft.id}/publish`,
    );
    expect(published.status).toBe(200);
    expect(published.body.transition).toEqual({ from: 'draft', to: 'scheduled' });
    expect(published.body.campaign.nextRunAt).not.toBeNull();

    const paused = await server.call<{ campaign: Campaign }>('POST', `/api/v1/campaigns/${draft.id}/pause`);
    expect(paused.body.campaign.status).toBe('paused');
    const resumed = await server.call<{ campaign: Campaign }>('POST', `/api/v1/campaigns/${draft.id}/resume`);
    expect(resumed.body.campaign.status).toBe('scheduled');
    const cancelled = await server.call<{
      campaign: Campaign;
      skippedDeliveries: number;
      cancelledRuns: number;
    }>('POST', `/api/v1/campaigns/${draft.id}/cancel`);
    expect(cancelled.body).toMatchObject({
      campaign: { status: 'cancelled' },
      transition: { from: 'scheduled', to: 'cancelled' },
      skippedDeliveries: 0,
      cancelledRuns: 0,
    });
  });

  it('answers a step the state machine does not allow with 409 invalid_transition', async () => {
    const campaign = await create();
    await server.call('POST', `/api/v1/campaigns/${campaign.id}/cancel`);
    const answer = await server.call<ErrorAnswer>('POST', `/api/v1/campaigns/${campaign.id}/resume`);
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatchObject({
      code: 'invalid_transition',
      details: { campaignId: campaign.id, from: 'cancelled' },
    });
    const publish = await server.call<ErrorAnswer>('POST', `/api/v1/campaigns/${campaign.id}/publish`);
    expect(publish.status).toBe(409);
  });

  it('says "already paused" for a repeated pause, still a 409', async () => {
    const campaign = await create();
    await server.call('POST', `/api/v1/campaigns/${campaign.id}/pause`);
    const again = await server.call<ErrorAnswer>('POST', `/api/v1/campaigns/${campaign.id}/pause`);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({
      code: 'invalid_transition',
      message: `campaign ${campaign.id} is already paused`,
    });
  });

  it("tells in resume's answer what became of the ticks missed while paused (missedTicks)", async () => {
    const campaign = await create({ schedule: { cron: '0 * * * *', timezone: 'Europe/Moscow' } });
    await server.call('POST', `/api/v1/campaigns/${campaign.id}/pause`);
    h.clock.advance(150 * MINUTE); // two or three hourly ticks pass while paused
    const resumed = await server.call<{
      campaign: Campaign;
      transition: object;
      missedTicks: { policy: string; missed: number; runsNow: string | null; nextRunAt: string };
    }>('POST', `/api/v1/campaigns/${campaign.id}/resume`);
    expect(resumed.status).toBe(200);
    expect(resumed.body.transition).toEqual({ from: 'paused', to: 'scheduled' });
    expect(resumed.body.missedTicks).toMatchObject({
      policy: 'skip',
      runsNow: null,
      timezone: 'Europe/Moscow',
    });
    expect(resumed.body.missedTicks.missed).toBeGreaterThanOrEqual(2);
    expect(resumed.body.campaign.nextRunAt).toBe(resumed.body.missedTicks.nextRunAt);
    expect(new Date(resumed.body.missedTicks.nextRunAt).getTime()).toBeGreaterThan(h.clock.now().getTime());
  });
});

describe('preview', () => {
  it('renders the message for the contact with a given phone, as people write it', async () => {
    const campaign = await create();
    const answer = await server.call(
      'GET',
      `/api/v1/campaigns/${campaign.id}/preview?phone=${encodeURIComponent('+7 (900) 000-00-02')}`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      campaignId: campaign.id,
      contact: { phone: '79000000002', name: 'Client 2' },
      sample: false,
      ok: true,
      text: 'Hi Name2, 12% off',
    });
  });

  it('renders for a sample contact of the audience when no phone is given', async () => {
    const campaign = await create();
    const answer = await server.call('GET', `/api/v1/campaigns/${campaign.id}/preview`);
    expect(answer.body).toMatchObject({
      sample: true,
      ok: true,
      contact: { phone: '79000000001' },
      text: 'Hi Name1, 11% off',
    });
  });

  it('reports a variable the contact lacks instead of a hole in the text', async () => {
    const campaign = await create({ template: 'Hi {{firstName}}, your code is {{promoCode}}' });
    const answer = await server.call('GET', `/api/v1/campaigns/${campaign.id}/preview?phone=79000000003`);
    expect(answer.body).toMatchObject({ ok: false, missingVariable: 'promoCode' });
    expect(answer.body).not.toHaveProperty('text');
  });

  it('answers 404 contact_not_found for a phone no contact has, and 400 for one that is not a phone', async () => {
    const campaign = await create();
    const unknown = await server.call<ErrorAnswer>(
      'GET',
      `/api/v1/campaigns/${campaign.id}/preview?phone=79990009999`,
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('contact_not_found');
    const bad = await server.call<ErrorAnswer>(
      'GET',
      `/api/v1/campaigns/${campaign.id}/preview?phone=call-me`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues).toEqual([expect.objectContaining({ path: 'phone' })]);
  });
});

describe('test-send', () => {
  it('sends the rendered text to one contact through Chat2Desk and answers the message id', async () => {
    const campaign = await create();
    const before = h.sandbox.state.messages.length;
    const answer = await server.call('POST', `/api/v1/campaigns/${campaign.id}/test-send`, {
      json: { phone: '+79000000004' },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ phone: '79000000004', transport: 'sms', text: 'Hi Name4, 14% off' });
    expect(typeof answer.body.messageId).toBe('number');
    const sent = h.sandbox.state.messages.slice(before).filter((m) => m.type === 'to_client');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.text).toBe('Hi Name4, 14% off');
    expect(h.sandbox.state.client(sent[0]!.clientId)?.phone).toBe('79000000004');
    // It is a test, not a delivery of the campaign.
    const [deliveries] = await h.db
      .sql`select count(*)::int as n from deliveries where campaign_id = ${campaign.id}`;
    expect(deliveries?.n).toBe(0);
  });

  it('waits out the WhatsApp new-client delay, answering 409 with the time to retry', async () => {
    const campaign = await create({ transport: 'whatsapp' });
    const first = await server.call<ErrorAnswer>('POST', `/api/v1/campaigns/${campaign.id}/test-send`, {
      json: { phone: '79000000005' },
    });
    expect(first.status).toBe(409);
    expect(first.body.error.code).toBe('whatsapp_delay');
    const retryAt = new Date(first.body.error.details.retryAt as string);
    expect(retryAt.getTime()).toBe(h.clock.now().getTime() + 7 * MINUTE);
    expect(
      h.sandbox.state.messages.filter(
        (m) => m.type === 'to_client' && h.sandbox.state.client(m.clientId)?.phone === '79000000005',
      ),
    ).toHaveLength(0);

    h.clock.set(retryAt);
    const second = await server.call('POST', `/api/v1/campaigns/${campaign.id}/test-send`, {
      json: { phone: '79000000005' },
    });
    expect(second.status).toBe(200);
  });

  it('refuses a contact that opted out, a phone no contact has, and a missing phone', async () => {
    const campaign = await create();
    await h.db.sql`update contacts set opted_out_at = ${h.clock.now()} where phone = '79000000003'`;
    const optedOut = await server.call<ErrorAnswer>('POST', `/api/v1/campaigns/${campaign.id}/test-send`, {
      json: { phone: '79000000003' },
    });
    expect(optedOut.status).toBe(409);
    expect(optedOut.body.error.code).toBe('contact_opted_out');
    const unknown = await server.call<ErrorAnswer>('POST', `/api/v1/campaigns/${campaign.id}/test-send`, {
      json: { phone: '79998887766' },
    });
    expect(unknown.status).toBe(404);
    const missing = await server.call<ErrorAnswer>('POST', `/api/v1/campaigns/${campaign.id}/test-send`, {
      json: {},
    });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.issues).toEqual([{ path: 'phone', message: 'required' }]);
  });

  it('answers 503 when the instance has no Chat2Desk client', async () => {
    const bare = await startApiServer(h.db, { clock: h.clock });
    try {
      const campaign = await create();
      const answer = await bare.call<ErrorAnswer>('POST', `/api/v1/campaigns/${campaign.id}/test-send`, {
        json: { phone: '79000000001' },
      });
      expect(answer.status).toBe(503);
      expect(answer.body.error.code).toBe('test_send_unavailable');
    } finally {
      await bare.close();
    }
  });
});

describe('a campaign created through the API, run by a worker', () => {
  it('reports its deliveries through the API as JSON and CSV', async () => {
    const [stopped] = await h.db.sql`select id from contacts where phone = '79000000003'`;
    const optOut = await server.call('POST', `/api/v1/contacts/${stopped?.id}/opt-out`, {
      json: { reason: 'asked' },
    });
    expect(optOut.status).toBe(200);
    const at = new Date(h.clock.now().getTime() + MINUTE);
    const answer = await server.call<Campaign>('POST', '/api/v1/campaigns', {
      json: broadcast({ name: 'End to end', schedule: { at: at.toISOString() } }),
    });
    expect(answer.status).toBe(201);
    const id = answer.body.id;

    h.clock.set(at);
    const timekeeper = new Timekeeper({ sql: h.db.sql, clock: h.clock });
    await timekeeper.tick();
    const { worker } = await h.addWorker();
    await worker.drain();
    await timekeeper.tick();

    const [members] = await h.db.sql`
      select count(*)::int as n from list_members m join lists l on l.id = m.list_id where l.name = 'vip'`;
    const report = await server.call<{
      campaignId: number;
      status: string;
      total: number;
      counts: Record<string, number>;
      reasons: Record<string, number>;
    }>('GET', `/api/v1/campaigns/${id}/report`);
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ campaignId: id, status: 'completed', total: members?.n });
    // Every tenth contact gave no consent; one opted out.
    expect(report.body.reasons).toMatchObject({ no_consent: 3, opted_out: 1 });
    expect(report.body.counts.skipped).toBe(4);
    expect(report.body.counts.sent! + report.body.counts.skipped!).toBe(members?.n);
    expect(report.body.counts.sent).toBeGreaterThan(0);

    const shown = await server.call<Campaign>('GET', `/api/v1/campaigns/${id}`);
    expect(shown.body.counts).toEqual(report.body.counts);
    expect(shown.body.runs).toHaveLength(1);

    const csv = await server.call('GET', `/api/v1/campaigns/${id}/report.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toContain(`campaign-${id}`);
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toMatch(/^phone,name,state,reason/);
    expect(lines).toHaveLength(1 + (members?.n as number));
    expect(lines.filter((line) => line.includes(',sent,'))).toHaveLength(report.body.counts.sent as number);

    const runId = (shown.body.runs[0] as { id: number }).id;
    const byRun = await server.call('GET', `/api/v1/campaigns/${id}/report?runId=${runId}`);
    expect(byRun.body).toMatchObject({ runId, total: members?.n });
    const noRun = await server.call<ErrorAnswer>('GET', `/api/v1/campaigns/${id}/report.csv?runId=999999`);
    expect(noRun.status).toBe(404);
    expect(noRun.body.error.code).toBe('run_not_found');
  });
});
