import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign } from '../../src/campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../src/campaigns/definition.js';
import { CampaignDefinitionError, CampaignNotFoundError, TemplateError } from '../../src/campaigns/errors.js';
import { pauseCampaign } from '../../src/campaigns/lifecycle.js';
import {
  CampaignNotDraftError,
  deleteDraftCampaign,
  getCampaign,
  listCampaigns,
  replaceDraftCampaign,
} from '../../src/campaigns/queries.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TEMPLATES = join(import.meta.dirname, '..', '..', 'templates');
const NOW = new Date('2026-11-27T07:00:00Z');

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`insert into lists (name) values ('vip'), ('other')`;
});
afterAll(async () => {
  await db?.drop();
});

function definition(overrides: Record<string, unknown> = {}) {
  return validateCampaignDefinition(
    {
      name: 'Sale',
      kind: 'broadcast',
      transport: 'sms',
      template: 'Hi {{name}}',
      audience: { list: 'vip' },
      schedule: { at: '2026-12-01T10:00:00Z' },
      ...overrides,
    },
    { now: NOW },
  );
}

async function create(overrides: Record<string, unknown> = {}) {
  return createCampaign(db, definition(overrides), { now: NOW, templatesDir: TEMPLATES });
}

describe('listCampaigns', () => {
  it('pages newest first and filters by status and kind, with the total of the filter', async () => {
    const a = await create({ name: 'A' });
    const b = await create({ name: 'B', draft: true });
    const c = await create({
      name: 'C',
      kind: 'reminder',
      offsets: ['-2h'],
      schedule: undefined,
      audience: undefined,
    });

    const page = await listCampaigns(db, { limit: 2, offset: 0 });
    expect(page.items.map((x) => x.id)).toEqual([c.id, b.id]);
    expect(page.total).toBeGreaterThanOrEqual(3);
    const drafts = await listCampaigns(db, { status: 'draft', limit: 50, offset: 0 });
    expect(drafts.items.map((x) => x.id)).toContain(b.id);
    expect(drafts.items.every((x) => x.status === 'draft')).toBe(true);
    const reminders = await listCampaigns(db, { kind: 'reminder', limit: 50, offset: 0 });
    expect(reminders).toMatchObject({ total: 1, items: [{ id: c.id, kind: 'reminder', status: 'running' }] });
    const scheduled = await listCampaigns(db, {
      status: 'scheduled',
      kind: 'broadcast',
      limit: 50,
      offset: 0,
    });
    expect(scheduled.items.map((x) => x.id)).toContain(a.id);
  });

  it('counts deliveries per state, every state present', async () => {
    const campaign = await create({ name: 'Counted' });
    const [run] = await db.sql`
      insert into campaign_runs (campaign_id, scheduled_for) values (${campaign.id}, ${NOW}) returning id`;
    await db.sql`
      insert into contacts (phone) select (79001000000 + i)::text from generate_series(1, 3) i`;
    await db.sql`
      insert into deliveries (run_id, campaign_id, contact_id, state, reason, due_at, next_attempt_at, transport)
      select ${run!.id}, ${campaign.id}, id, case when phone = '79001000001' then 'skipped'::delivery_state else 'sent' end,
             case when phone = '79001000001' then 'no_consent' end, ${NOW}, ${NOW}, 'sms'
      from contacts where phone like '790010000%'`;
    const { items } = await listCampaigns(db, { limit: 200, offset: 0 });
    const counted = items.find((x) => x.id === campaign.id)!;
    expect(counted.counts).toEqual({
      queued: 0,
      waiting: 0,
      sending: 0,
      sent: 2,
      delivered: 0,
      read: 0,
      failed: 0,
      skipped: 1,
    });
    const details = await getCampaign(db, campaign.id);
    expect(details?.counts).toEqual(counted.counts);
    expect(details?.runs).toEqual([
      { id: run!.id, scheduledFor: NOW, status: 'pending', expandedAt: null, completedAt: null },
    ]);
    expect(details?.runCount).toBe(1);
  });
});

describe('getCampaign', () => {
  it('returns the definition as written and the resolved template', async () => {
    const campaign = await create({ name: 'Detailed', template: { file: 'appointment-reminder.hbs' } });
    const details = await getCampaign(db, campaign.id);
    expect(details).toMatchObject({
      id: campaign.id,
      name: 'Detailed',
      status: 'scheduled',
      definition: { template: { file: 'appointment-reminder.hbs' } },
    });
    expect(details?.templateSource).toContain('A reminder');
  });

  it('is undefined for a campaign that does not exist', async () => {
    expect(await getCampaign(db, 999_999)).toBeUndefined();
  });
});

describe('replaceDraftCampaign', () => {
  it('replaces every column of a draft and keeps it a draft with no next run', async () => {
    const draft = await create({ draft: true });
    const replaced = await replaceDraftCampaign(
      db,
      draft.id,
      definition({
        name: 'Replaced',
        transport: 'viber',
        audience: { list: 'other' },
        schedule: { cron: '0 10 * * MON', timezone: 'Europe/Moscow' },
        sendWindow: { from: '09:00', to: '21:00' },
        rateLimit: { perSecond: 2 },
      }),
      { now: NOW, templatesDir: TEMPLATES },
    );
    expect(replaced).toMatchObject({
      name: 'Replaced',
      transport: 'viber',
      status: 'draft',
      nextRunAt: null,
    });
    const [row] = await db.sql`
      select l.name as list, c.schedule_cron, c.schedule_at, c.timezone, c.send_window, c.rate_limit_per_second
      from campaigns c join lists l on l.id = c.list_id where c.id = ${draft.id}`;
    expect(row).toEqual({
      list: 'other',
      schedule_cron: '0 10 * * MON',
      schedule_at: null,
      timezone: 'Europe/Moscow',
      send_window: { from: '09:00', to: '21:00' },
      rate_limit_per_second: 2,
    });
  });

  it('refuses a campaign that is no longer a draft, and one that does not exist', async () => {
    const live = await create();
    await pauseCampaign(db.sql, live.id, { now: NOW });
    await expect(
      replaceDraftCampaign(db, live.id, definition(), { now: NOW, templatesDir: TEMPLATES }),
    ).rejects.toThrow(CampaignNotDraftError);
    await expect(
      replaceDraftCampaign(db, 999_999, definition(), { now: NOW, templatesDir: TEMPLATES }),
    ).rejects.toThrow(CampaignNotFoundError);
    const [row] = await db.sql`select name, status from campaigns where id = ${live.id}`;
    expect(row).toEqual({ name: 'Sale', status: 'paused' });
  });

  it('refuses a list that does not exist at audience.list, and a template file that does not exist', async () => {
    const draft = await create({ draft: true });
    const missingList = replaceDraftCampaign(db, draft.id, definition({ audience: { list: 'ghosts' } }), {
      now: NOW,
      templatesDir: TEMPLATES,
    });
    await expect(missingList).rejects.toThrow(CampaignDefinitionError);
    await expect(missingList).rejects.toMatchObject({ field: 'audience.list' });
    await expect(
      replaceDraftCampaign(db, draft.id, definition({ template: { file: 'missing.hbs' } }), {
        now: NOW,
        templatesDir: TEMPLATES,
      }),
    ).rejects.toThrow(TemplateError);
  });
});

describe('deleteDraftCampaign', () => {
  it('deletes a draft only', async () => {
    const draft = await create({ draft: true });
    await deleteDraftCampaign(db, draft.id);
    expect(await getCampaign(db, draft.id)).toBeUndefined();
    const live = await create();
    await expect(deleteDraftCampaign(db, live.id)).rejects.toMatchObject({
      code: 'campaign_not_draft',
      details: { campaignId: live.id, status: 'scheduled' },
    });
    await expect(deleteDraftCampaign(db, 999_999)).rejects.toThrow(CampaignNotFoundError);
  });
});
