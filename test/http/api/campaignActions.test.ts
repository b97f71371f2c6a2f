import { describe, expect, it } from 'vitest';
import { insertCampaign, insertDelivery, insertRun } from '../../reports/seedReport.js';
import { useApiServerOnTestDatabase } from '../apiServer.js';

const HOUR = 3_600_000;

const { db, server } = useApiServerOnTestDatabase();

interface ErrorAnswer {
  error: { code: string; message: string; details: Record<string, unknown> & { issues?: unknown[] } };
}
interface StepAnswer {
  campaign: { id: number; status: string; nextRunAt: string | null };
  transition: { from: string; to: string };
  skippedDeliveries?: number;
  cancelledRuns?: number;
}

async function createDraft(definition: Record<string, unknown>): Promise<number> {
  const answer = await server.call<{ id: number }>('POST', '/api/v1/campaigns', {
    json: { transport: 'sms', template: 'Hi', draft: true, ...definition },
  });
  expect(answer.status).toBe(201);
  return answer.body.id;
}

/** A broadcast to everyone an hour from now. */
function broadcast() {
  const at = new Date(server.clock.now().getTime() + HOUR).toISOString();
  return { kind: 'broadcast', audience: { all: true }, schedule: { at } };
}

/** A running broadcast with one open run: two deliveries still to go, one sent. */
async function runningCampaign(name: string): Promise<number> {
  const id = await insertCampaign(db.sql, { name, transport: 'viber' });
  const run = await insertRun(db.sql, id, '2026-11-27T06:00:00Z');
  const phone = (n: number) => `7903${String(id).padStart(3, '0')}${String(n).padStart(4, '0')}`;
  await insertDelivery(db.sql, id, run, { phone: phone(1), state: 'queued', dueAt: '2026-11-27T06:00:00Z' });
  await insertDelivery(db.sql, id, run, { phone: phone(2), state: 'waiting', dueAt: '2026-11-27T06:00:00Z' });
  await insertDelivery(db.sql, id, run, {
    phone: phone(3),
    state: 'sent',
    dueAt: '2026-11-27T06:00:00Z',
    sentAt: '2026-11-27T06:00:05Z',
  });
  return id;
}

describe('lifecycle steps', () => {
  it('answer 404 campaign_not_found, naming the campaign, for every step on one that does not exist', async () => {
    for (const action of ['publish', 'pause', 'resume', 'cancel']) {
      const answer = await server.call<ErrorAnswer>('POST', `/api/v1/campaigns/987654/${action}`);
      expect(answer.status, action).toBe(404);
      expect(answer.body.error.code, action).toBe('campaign_not_found');
      expect(answer.body.error.details, action).toMatchObject({ campaignId: 987654 });
    }
  });

  it('refuse an id that is not a positive integer', async () => {
    expect((await server.call('POST', '/api/v1/campaigns/0/pause')).status).toBe(400);
    expect((await server.call('POST', '/api/v1/campaigns/abc/cancel')).status).toBe(400);
  });

  it('publish a reminder draft straight to running', async () => {
    const id = await createDraft({
      name: 'Reminder draft',
      kind: 'reminder',
      offsets: ['-2h'],
      purpose: 'transactional',
    });
    const answer = await server.call<StepAnswer>('POST', `/api/v1/campaigns/${id}/publish`);
    expect(answer.status).toBe(200);
    expect(answer.body.transition).toEqual({ from: 'draft', to: 'running' });
    expect(answer.body.campaign.status).toBe('running');
  });

  it('refuse to publish a draft whose one-off time passed while it was a draft, at schedule.at', async () => {
    const at = new Date(server.clock.now().getTime() + HOUR);
    const id = await createDraft({
      name: 'Stale draft',
      kind: 'broadcast',
      audience: { all: true },
      schedule: { at: at.toISOString() },
    });
    server.clock.advance(2 * HOUR);
    try {
      const answer = await server.call<ErrorAnswer>('POST', `/api/v1/campaigns/${id}/publish`);
      expect(answer.status).toBe(400);
      expect(answer.body.error.details.issues).toEqual([expect.objectContaining({ path: 'schedule.at' })]);
      const [row] = await db.sql`select status from campaigns where id = ${id}`;
      expect(row?.status).toBe('draft');
    } finally {
      server.clock.set('2026-11-27T07:00:00.000Z');
    }
  });

  it('pause and resume a running campaign, answering the campaign as it now is with the step taken', async () => {
    const id = await runningCampaign('Pause me');
    const paused = await server.call<StepAnswer>('POST', `/api/v1/campaigns/${id}/pause`);
    expect(paused.status).toBe(200);
    expect(paused.body.transition).toEqual({ from: 'running', to: 'paused' });
    expect(paused.body.campaign).toMatchObject({ id, status: 'paused' });
    const resumed = await server.call<StepAnswer>('POST', `/api/v1/campaigns/${id}/resume`);
    // Its run is still open: it goes back to running, not to waiting for a tick.
    expect(resumed.body.transition).toEqual({ from: 'paused', to: 'running' });
  });

  it('cancel, answering how many deliveries were skipped and runs cancelled', async () => {
    const id = await runningCampaign('Cancel me');
    const answer = await server.call<StepAnswer>('POST', `/api/v1/campaigns/${id}/cancel`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      campaign: { status: 'cancelled' },
      transition: { from: 'running', to: 'cancelled' },
      skippedDeliveries: 2,
      cancelledRuns: 1,
    });
  });
});

describe('preview and test-send', () => {
  it('preview refuses an empty phone and an unknown query parameter', async () => {
    const id = await createDraft({ name: 'Preview', ...broadcast() });
    const empty = await server.call<ErrorAnswer>('GET', `/api/v1/campaigns/${id}/preview?phone=`);
    const unknown = await server.call<ErrorAnswer>('GET', `/api/v1/campaigns/${id}/preview?contact=1`);
    expect([empty.status, unknown.status]).toEqual([400, 400]);
  });

  it("preview summarises the whole audience beside the sample's message (audience)", async () => {
    await db.sql`insert into lists (name) values ('summary')`;
    await db.sql`
      insert into contacts (phone, name, attributes, opted_in_at) values
        ('79005550001', 'Anna', '{"firstName": "Anna"}', now()),
        ('79005550002', 'Boris', '{}', now()),
        ('79005550003', 'Vera', '{"firstName": "Vera"}', null)`;
    await db.sql`
      insert into list_members (list_id, contact_id)
      select l.id, c.id from lists l, contacts c where l.name = 'summary' and c.phone like '7900555000_'`;
    const id = await createDraft({
      name: 'Summarised',
      ...broadcast(),
      audience: { list: 'summary' },
      template: 'Hi {{firstName}}',
    });
    const answer = await server.call<{ ok: boolean; text: string; audience: unknown }>(
      'GET',
      `/api/v1/campaigns/${id}/preview`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ ok: true, text: 'Hi Anna' });
    expect(answer.body.audience).toEqual({
      unit: 'contacts',
      recipients: 3,
      willSend: 1,
      skipped: 2,
      skips: [
        { reason: 'missing_variable', variable: 'firstName', count: 1 },
        { reason: 'no_consent', count: 1 },
      ],
    });
  });

  it('preview answers 404 for a campaign that does not exist', async () => {
    const answer = await server.call<ErrorAnswer>('GET', '/api/v1/campaigns/987654/preview');
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('campaign_not_found');
  });

  it('test-send refuses a body without a phone, or with another field, before anything else', async () => {
    const id = await createDraft({ name: 'Test send', ...broadcast() });
    const missing = await server.call<ErrorAnswer>('POST', `/api/v1/campaigns/${id}/test-send`, { json: {} });
    const extra = await server.call<ErrorAnswer>('POST', `/api/v1/campaigns/${id}/test-send`, {
      json: { phone: '79000000001', text: 'hi' },
    });
    expect([missing.status, extra.status]).toEqual([400, 400]);
    expect(JSON.stringify(missing.body)).toContain('phone');
    expect(JSON.stringify(extra.body)).toContain('text');
  });
});
