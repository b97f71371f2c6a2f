import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { campaignReport } from '../../../src/reports/campaignReport.js';
import { insertCampaign, insertDelivery, insertRun } from '../../reports/seedReport.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { startDashboardServer } from '../apiServer.js';

const DUE = '2026-11-27T10:00:00.000Z';
const XSS = '<script>alert(1)</script>';

let db: TestDatabase;
let app: FastifyInstance;
let baseUrl: string;
const clock = new ManualClock('2026-11-27T10:30:00Z');

beforeAll(async () => {
  db = await createTestDatabase();
  ({ app, url: baseUrl } = await startDashboardServer({ sql: db.sql, clock, apiToken: undefined }));
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

function get(path: string) {
  return fetch(`${baseUrl}${path}`, { redirect: 'manual' });
}

function post(path: string, form: Record<string, string>) {
  return fetch(`${baseUrl}${path}`, { method: 'POST', redirect: 'manual', body: new URLSearchParams(form) });
}

/** The CSRF token the page's forms carry. */
function csrfOf(page: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(page);
  if (!match) throw new Error('no form with a CSRF token on the page');
  return match[1]!;
}

async function campaignStatus(id: number): Promise<string> {
  const [row] = await db.sql<{ status: string }[]>`select status from campaigns where id = ${id}`;
  return row!.status;
}

async function sentCampaign(name: string, transport = 'viber'): Promise<number> {
  const id = await insertCampaign(db.sql, { name, transport });
  const run = await insertRun(db.sql, id, DUE);
  const phone = (n: number) => `7901${String(id).padStart(3, '0')}${String(n).padStart(4, '0')}`;
  await insertDelivery(db.sql, id, run, {
    phone: phone(1),
    state: 'sent',
    dueAt: DUE,
    sentAt: '2026-11-27T10:00:20Z',
  });
  await insertDelivery(db.sql, id, run, {
    phone: phone(2),
    state: 'read',
    dueAt: DUE,
    sentAt: '2026-11-27T10:02:00Z',
  });
  await insertDelivery(db.sql, id, run, {
    phone: phone(3),
    name: '<b>Eve</b>',
    state: 'failed',
    reason: 'chat2desk:<img src=x onerror=alert(1)>',
    dueAt: DUE,
    failedAt: '2026-11-27T10:01:00Z',
  });
  await insertDelivery(db.sql, id, run, {
    phone: phone(4),
    state: 'waiting',
    reason: 'rate_limited',
    dueAt: DUE,
  });
  return id;
}

/** A viber campaign with one delivery per state given, each accepted by Chat2Desk. */
async function acceptedCampaign(name: string, states: string[]): Promise<number> {
  const id = await insertCampaign(db.sql, { name, transport: 'viber' });
  const run = await insertRun(db.sql, id, DUE);
  for (const [i, state] of states.entries()) {
    await insertDelivery(db.sql, id, run, {
      phone: `7902${String(id).padStart(3, '0')}${String(i).padStart(4, '0')}`,
      state,
      reason: state === 'failed' ? 'undeliverable' : null,
      dueAt: DUE,
      sentAt: '2026-11-27T10:00:20Z',
    });
  }
  return id;
}

describe('the campaign list at /', () => {
  it('lists campaigns with their state and a progress bar', async () => {
    const id = await sentCampaign('Autumn sale');

    const res = await get('/');
    const page = await res.text();

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page).toContain(`<a href="/campaigns/${id}">Autumn sale</a>`);
    expect(page).toContain('data-status="running"');
    expect(page).toContain('3 of 4 settled (75%)');
    expect(page).toMatch(/class="bar"/);
  });

  it('escapes campaign names, so a name cannot inject markup', async () => {
    await insertCampaign(db.sql, { name: XSS, transport: 'viber' });

    const page = await (await get('/')).text();

    expect(page).not.toContain(XSS);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('forbids scripts, framing and foreign form targets through its headers', async () => {
    const res = await get('/');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('content-security-policy')).toContain("form-action 'self'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses a page number that is not a positive integer', async () => {
    expect((await get('/?page=0')).status).toBe(400);
    expect((await get('/?page=abc')).status).toBe(400);
  });
});

describe('the campaign page', () => {
  it('shows the same numbers as the report, per state and per reason', async () => {
    const id = await sentCampaign('Numbers');
    const report = await campaignReport(db.sql, id);

    const page = await (await get(`/campaigns/${id}`)).text();

    for (const [state, n] of Object.entries(report.counts)) {
      expect(page).toContain(`data-count="${state}">${n}<`);
    }
    expect(page).toContain(`data-total="deliveries">${report.total}<`);
    expect(page).toContain(`data-total="accepted">${report.totals.accepted}<`);
    expect(page).toContain('data-reason="rate_limited">1<');
    // Reasons are given per state: the wait is not a failure, the failure not a skip.
    expect(page).toContain('data-state="waiting" data-reason="rate_limited">1<');
    expect(page).toContain('data-state="failed" data-reason="chat2desk">1<');
    expect(page).toContain('data-total="deliveryRate">50.0%<');
  });

  it('draws sends over time as an SVG bar chart, one bar per minute with a send', async () => {
    const id = await sentCampaign('Chart');

    const page = await (await get(`/campaigns/${id}`)).text();

    expect(page).toContain('data-chart="sends"');
    expect(page).toContain('data-bucket-minutes="1"');
    expect([...page.matchAll(/<rect class="sends-bar" data-sent="(\d+)"/g)].map((m) => m[1])).toEqual([
      '1',
      '1',
    ]);
  });

  it('escapes names, reasons and contact names everywhere on the page', async () => {
    const id = await sentCampaign(XSS);

    const page = await (await get(`/campaigns/${id}`)).text();

    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<b>Eve</b>');
    expect(page).toContain('<title>&lt;script&gt;alert(1)&lt;/script&gt; · Broadcaster</title>');
    expect(page).toContain('chat2desk:&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('&lt;b&gt;Eve&lt;/b&gt;');
  });

  it('says when the transport does not report delivery instead of showing a rate', async () => {
    const id = await sentCampaign('WhatsApp', 'whatsapp');

    const page = await (await get(`/campaigns/${id}`)).text();

    expect(page).toContain('data-notice="no-delivery-reports"');
    expect(page).toContain('data-total="deliveryRate">n/a<');
    expect(page).not.toContain('data-total="awaitingStatus"');
  });

  it('shows the rates as unknown / pending, with the count awaiting, before any status was fetched', async () => {
    const id = await acceptedCampaign('Not fetched', ['sent', 'sent', 'sent']);

    const page = await (await get(`/campaigns/${id}`)).text();

    expect(page).toContain(
      'data-total="deliveryRate">unknown / pending</div><div class="note">3 awaiting a status<',
    );
    expect(page).toContain(
      'data-total="readRate">unknown / pending</div><div class="note">3 awaiting a status<',
    );
    expect(page).toContain('data-total="awaitingStatus">3<');
    expect(page).not.toMatch(/data-total="(deliveryRate|readRate)">0\.0%</);
  });

  it('marks the rates "so far" while some messages await a status', async () => {
    const id = await sentCampaign('So far');

    const page = await (await get(`/campaigns/${id}`)).text();

    expect(page).toContain(
      'data-total="deliveryRate">50.0%</div><div class="note">so far · 1 awaiting a status<',
    );
    expect(page).toContain('data-total="awaitingStatus">1<');
  });

  it('shows the plain rates once every accepted message has a status', async () => {
    const id = await acceptedCampaign('All fetched', ['delivered', 'read', 'read', 'failed']);

    const page = await (await get(`/campaigns/${id}`)).text();

    expect(page).toContain('data-total="deliveryRate">75.0%</div></div>');
    expect(page).toContain('data-total="readRate">50.0%</div></div>');
    expect(page).toContain('data-total="awaitingStatus">0<');
    expect(page).not.toContain('awaiting a status');
  });

  it('shows one run on its own with ?run=', async () => {
    const id = await sentCampaign('Two runs');
    const second = await insertRun(db.sql, id, '2026-11-28T10:00:00Z');
    await insertDelivery(db.sql, id, second, {
      phone: '79019990001',
      state: 'queued',
      dueAt: '2026-11-28T10:00:00Z',
    });

    const page = await (await get(`/campaigns/${id}?run=${second}`)).text();

    expect(page).toContain('data-total="deliveries">1<');
    expect(page).toContain(`run #${second}`);
  });

  it('answers 404 for a campaign that does not exist and 400 for an id that is not a number', async () => {
    const missing = await get('/campaigns/999999');
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('There is no campaign 999999.');
    expect((await get('/campaigns/abc')).status).toBe(400);
  });

  it('offers every recipient as CSV', async () => {
    const id = await sentCampaign('Export');

    const res = await get(`/campaigns/${id}/recipients.csv`);
    const lines = (await res.text()).trimEnd().split('\r\n');

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="campaign-${id}-recipients.csv"`,
    );
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe(
      'phone,name,state,reason,due_at,sent_at,delivered_at,read_at,chat2desk_message_id,attempts,timezone,planned_at,text',
    );
  });
});

describe('the pause, resume and cancel buttons', () => {
  it('pause and resume the campaign and go back to its page', async () => {
    const id = await sentCampaign('Buttons');
    const csrf = csrfOf(await (await get(`/campaigns/${id}`)).text());

    const paused = await post(`/campaigns/${id}/pause`, { csrf });
    expect(paused.status).toBe(303);
    expect(paused.headers.get('location')).toBe(`/campaigns/${id}`);
    expect(await campaignStatus(id)).toBe('paused');
    expect(await (await get(`/campaigns/${id}`)).text()).toContain(`action="/campaigns/${id}/resume"`);

    const resumed = await post(`/campaigns/${id}/resume`, { csrf });
    expect(resumed.status).toBe(303);
    expect(await campaignStatus(id)).toBe('running');
  });

  it('cancel the campaign, skipping what had not gone out', async () => {
    const id = await sentCampaign('Cancel me');
    const csrf = csrfOf(await (await get(`/campaigns/${id}`)).text());

    const res = await post(`/campaigns/${id}/cancel`, { csrf });

    expect(res.status).toBe(303);
    expect(await campaignStatus(id)).toBe('cancelled');
    const report = await campaignReport(db.sql, id);
    expect(report.counts.waiting).toBe(0);
    expect(report.reasons.cancelled).toBe(1);
    expect(await (await get(`/campaigns/${id}`)).text()).not.toContain('name="csrf"');
  });

  it('refuse a form without the CSRF token and leave the campaign as it was', async () => {
    const id = await sentCampaign('Forged');

    const noToken = await post(`/campaigns/${id}/pause`, {});
    const wrongToken = await post(`/campaigns/${id}/pause`, { csrf: 'forged' });

    expect([noToken.status, wrongToken.status]).toEqual([403, 403]);
    expect(await campaignStatus(id)).toBe('running');
  });

  it('explain, with 409, a change the campaign cannot make from where it is', async () => {
    const id = await sentCampaign('Finished');
    const csrf = csrfOf(await (await get(`/campaigns/${id}`)).text());
    await db.sql`update campaigns set status = 'completed' where id = ${id}`;

    const res = await post(`/campaigns/${id}/pause`, { csrf });

    expect(res.status).toBe(409);
    expect(await res.text()).toContain(`Campaign ${id} is completed: it cannot become paused.`);
  });

  it('leave the JSON content type alone: the form parser is the dashboard’s own', async () => {
    const id = await sentCampaign('JSON');
    const res = await fetch(`${baseUrl}/campaigns/${id}/pause`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(403);
    expect(await campaignStatus(id)).toBe('running');
  });
});

describe('without API_TOKEN', () => {
  it('needs no login, and /login sends the browser home', async () => {
    const res = await get('/login?next=/campaigns/1');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/campaigns/1');
  });
});
