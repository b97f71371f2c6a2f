import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAudienceSummary, summariseAudience } from '../../src/campaigns/audienceSummary.js';
import { createCampaign } from '../../src/campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../src/campaigns/definition.js';
import { loadCampaign, previewCampaign } from '../../src/campaigns/preview.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TEMPLATES = join(import.meta.dirname, '..', '..', 'templates');
const NOW = new Date('2026-11-27T07:00:00Z');

let db: TestDatabase;

/**
 * The "shop" list: 4 who will get it, 3 without last_purchase (one of them also without a name),
 * 2 without consent, 1 opted out, 1 whose phone is no number, and 2 outside the segment (city);
 * one contact with everything is not on the list at all.
 */
beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`insert into lists (name) values ('shop')`;
  const full = { city: 'Moscow', last_purchase: '2026-11-01' };
  const rows: Array<[string, string | null, Record<string, string>, Date | null, Date | null]> = [
    ['79003000001', 'Anna', full, NOW, null],
    ['79003000002', 'Boris', full, NOW, null],
    ['79003000003', 'Vera', full, NOW, null],
    ['79003000004', 'Gleb', { ...full, vip: 'yes' }, NOW, null],
    ['79003000005', 'Dina', { city: 'Moscow' }, NOW, null],
    ['79003000006', 'Egor', { city: 'Moscow', last_purchase: ' ' }, NOW, null],
    ['79003000007', null, { city: 'Moscow' }, NOW, null],
    ['79003000008', 'Zoya', full, null, null],
    ['79003000009', 'Ivan', { city: 'Moscow' }, null, null],
    ['79003000010', 'Kira', full, NOW, NOW],
    ['7123456', 'Lev', full, NOW, null],
    ['79003000012', 'Mark', { ...full, city: 'Kazan' }, NOW, null],
    ['79003000013', 'Nina', { city: 'Kazan' }, null, null],
  ];
  for (const [phone, name, attributes, optedInAt, optedOutAt] of rows) {
    await db.sql`
      insert into contacts (phone, name, attributes, opted_in_at, opted_out_at)
      values (${phone}, ${name}, ${db.sql.json(attributes)}, ${optedInAt}, ${optedOutAt})`;
  }
  await db.sql`
    insert into list_members (list_id, contact_id)
    select l.id, c.id from lists l, contacts c where l.name = 'shop'`;
  await db.sql`insert into contacts (phone, name, attributes, opted_in_at) values ('79003000099', 'Outsider', ${db.sql.json(full)}, ${NOW})`;
});
afterAll(async () => {
  await db?.drop();
});

async function campaign(overrides: Record<string, unknown> = {}): Promise<number> {
  const definition = validateCampaignDefinition(
    {
      name: 'Summary',
      kind: 'broadcast',
      transport: 'whatsapp',
      channelId: 1,
      template:
        "{{name}}, since {{formatDate last_purchase 'd MMMM'}}{{#if vip}} (VIP {{vip}}){{/if}}: {{discount}}%",
      variables: { discount: 10 },
      audience: { list: 'shop', where: 'city = "Moscow"' },
      schedule: { at: '2026-12-01T10:00:00Z' },
      ...overrides,
    },
    { now: NOW },
  );
  return (await createCampaign(db, definition, { now: NOW, templatesDir: TEMPLATES })).id;
}

describe('summariseAudience', () => {
  it('counts the whole audience set-based: who will get it, and each reason of the rest', async () => {
    const id = await campaign();
    const summary = await summariseAudience(db.sql, await loadCampaign(db.sql, id), { now: NOW });

    expect(summary).toEqual({
      unit: 'contacts',
      recipients: 11,
      willSend: 4,
      skipped: 7,
      skips: [
        { reason: 'missing_variable', variable: 'last_purchase', count: 2 },
        { reason: 'no_consent', count: 2 },
        { reason: 'invalid_phone', count: 1 },
        // Without a name nor a last purchase: the name, which the template reads first.
        { reason: 'missing_variable', variable: 'name', count: 1 },
        { reason: 'opted_out', count: 1 },
      ],
    });
    expect(formatAudienceSummary(summary)).toBe(
      '11 recipients: 4 will be sent, 7 skipped (last_purchase missing: 2, no consent: 2, invalid phone: 1, ' +
        'name missing: 1, opted out: 1)',
    );
  });

  it('is part of the preview, beside the sample message', async () => {
    const id = await campaign({ audience: { list: 'shop' } });
    const preview = await previewCampaign(db.sql, id, { now: NOW, phoneRegion: 'RU' });
    expect(preview.audience).toMatchObject({ recipients: 13, willSend: 5, skipped: 8 });
  });

  it('applies a transactional rule: no opt-in needed, an opt-out still skips', async () => {
    const id = await campaign({ purpose: 'transactional', template: 'Order {{city}} ready' });
    const summary = await summariseAudience(db.sql, await loadCampaign(db.sql, id), { now: NOW });
    expect(summary).toMatchObject({ recipients: 11, willSend: 9, skipped: 2 });
  });
});
