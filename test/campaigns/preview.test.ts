import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign } from '../../src/campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../src/campaigns/definition.js';
import { CampaignNotFoundError } from '../../src/campaigns/errors.js';
import { previewCampaign } from '../../src/campaigns/preview.js';
import { ContactInputError, ContactNotFoundError } from '../../src/contacts/contacts.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const TEMPLATES = join(import.meta.dirname, '..', '..', 'templates');
const NOW = new Date('2026-11-27T07:00:00Z');

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.sql`insert into lists (name) values ('vip'), ('empty')`;
  await db.sql`
    insert into contacts (phone, name, timezone, attributes, opted_in_at) values
      ('79002000001', 'Boris Without Consent', null, '{"discount": 5, "firstName": "Boris"}', null),
      ('79002000002', 'Vera Volkova', 'Asia/Vladivostok', '{"discount": 30, "firstName": "Vera"}', ${NOW}),
      ('79002000003', 'Gleb', null, '{}', ${NOW})`;
  await db.sql`
    insert into list_members (list_id, contact_id)
    select l.id, c.id from lists l, contacts c where l.name = 'vip' and c.phone in ('79002000001', '79002000002')`;
});
afterAll(async () => {
  await db?.drop();
});

async function campaign(overrides: Record<string, unknown> = {}): Promise<number> {
  const definition = validateCampaignDefinition(
    {
      name: 'Preview me',
      kind: 'broadcast',
      transport: 'sms',
      template: 'Hi {{firstName}}, {{discount}}% off',
      audience: { list: 'vip' },
      schedule: { at: '2026-12-01T10:00:00Z' },
      ...overrides,
    },
    { now: NOW },
  );
  return (await createCampaign(db, definition, { now: NOW, templatesDir: TEMPLATES })).id;
}

describe('previewCampaign', () => {
  it('renders for the contact with the given phone, written as people write it', async () => {
    const id = await campaign();
    const preview = await previewCampaign(db.sql, id, {
      phone: '+7 (900) 200-00-02',
      now: NOW,
      phoneRegion: 'RU',
    });
    expect(preview).toEqual({
      campaignId: id,
      contact: { id: expect.any(Number), phone: '79002000002', name: 'Vera Volkova' },
      sample: false,
      ok: true,
      text: 'Hi Vera, 30% off',
      size: { length: 16, limit: 10, sms: { encoding: 'GSM-7', segments: 1, characters: 16 } },
      timezone: 'Asia/Vladivostok',
      consent: {
        purpose: 'marketing',
        rule: 'marketing: only contacts with a recorded opt-in; an opt-out stops every message',
        skipped: null,
      },
      audience: {
        unit: 'contacts',
        recipients: 2,
        willSend: 1,
        skipped: 1,
        skips: [{ reason: 'no_consent', count: 1 }],
      },
    });
  });

  it("says when the campaign's consent rule would skip the contact, and why", async () => {
    const marketing = await campaign();
    const boris = await previewCampaign(db.sql, marketing, {
      phone: '79002000001',
      now: NOW,
      phoneRegion: 'RU',
    });
    expect(boris).toMatchObject({
      ok: true,
      text: 'Hi Boris, 5% off',
      consent: {
        purpose: 'marketing',
        skipped: {
          reason: 'no_consent',
          detail: 'a marketing campaign needs a recorded opt-in, and the contact has none',
        },
      },
    });
    const transactional = await campaign({ purpose: 'transactional' });
    const again = await previewCampaign(db.sql, transactional, {
      phone: '79002000001',
      now: NOW,
      phoneRegion: 'RU',
    });
    expect(again.consent).toEqual({
      purpose: 'transactional',
      rule: 'transactional: no opt-in needed; an opt-out stops every message',
      skipped: null,
    });
  });

  it('counts SMS segments, and refuses a message longer than its transport takes', async () => {
    const sms = await campaign({ template: `{{firstName}}: ${'Скидка '.repeat(20)}` });
    const long = await previewCampaign(db.sql, sms, { phone: '79002000002', now: NOW, phoneRegion: 'RU' });
    expect(long.size).toEqual({
      length: 146,
      limit: 10,
      sms: { encoding: 'UCS-2', segments: 3, characters: 146 },
    });
    const whatsapp = await campaign({ transport: 'whatsapp', template: `{{firstName}} ${'x'.repeat(4096)}` });
    const tooLong = await previewCampaign(db.sql, whatsapp, {
      phone: '79002000002',
      now: NOW,
      phoneRegion: 'RU',
    });
    expect(tooLong).toMatchObject({
      ok: false,
      problem: 'message_too_long',
      detail: '4101 characters; at most 4096',
      size: { length: 4101, limit: 4096 },
    });
  });

  it("uses the campaign's variables, and names a value that cannot be used", async () => {
    const id = await campaign({
      template: "{{firstName}}, until {{formatDate endsAt 'd MMMM'}}",
      variables: { endsAt: '03.12.2026' },
    });
    expect(
      await previewCampaign(db.sql, id, { phone: '79002000002', now: NOW, phoneRegion: 'RU' }),
    ).toMatchObject({
      ok: true,
      text: 'Vera, until 3 декабря',
    });
    const slashed = await campaign({
      template: "{{firstName}}, until {{formatDate endsAt 'd MMMM'}}",
      variables: { endsAt: '03/12/2026' },
    });
    expect(
      await previewCampaign(db.sql, slashed, { phone: '79002000002', now: NOW, phoneRegion: 'RU' }),
    ).toMatchObject({
      ok: false,
      problem: 'invalid_variable',
      missingVariable: 'endsAt',
      detail: expect.stringContaining('3 December or March 12'),
    });
  });

  it('takes a consenting member of the audience as the sample when no phone is given', async () => {
    const id = await campaign();
    const preview = await previewCampaign(db.sql, id, { now: NOW, phoneRegion: 'RU' });
    expect(preview).toMatchObject({
      sample: true,
      contact: { phone: '79002000002' },
      text: 'Hi Vera, 30% off',
    });
  });

  it('invents a sample contact when the audience is empty', async () => {
    const id = await campaign({ audience: { list: 'empty' }, template: 'Dear {{name}}' });
    const preview = await previewCampaign(db.sql, id, { now: NOW, phoneRegion: 'RU' });
    expect(preview).toMatchObject({ sample: true, contact: null, ok: true, text: 'Dear Sample Contact' });
  });

  it('names the variable a contact lacks instead of rendering a hole', async () => {
    const id = await campaign();
    const preview = await previewCampaign(db.sql, id, { phone: '79002000003', now: NOW, phoneRegion: 'RU' });
    expect(preview).toMatchObject({ ok: false, problem: 'missing_variable', missingVariable: 'firstName' });
    expect(preview.text).toBeUndefined();
  });

  it("renders dates in the contact's time zone, else the campaign's, as the worker does", async () => {
    const id = await campaign({
      template: '{{formatTime campaignStart}}',
      timezone: 'Europe/Moscow',
    });
    await db.sql`update contacts set attributes = attributes || '{"campaignStart": "2026-12-01T10:00:00Z"}'`;
    const inVladivostok = await previewCampaign(db.sql, id, {
      phone: '79002000002',
      now: NOW,
      phoneRegion: 'RU',
    });
    const inMoscow = await previewCampaign(db.sql, id, { phone: '79002000003', now: NOW, phoneRegion: 'RU' });
    expect(inVladivostok.text).toBe('20:00');
    expect(inMoscow.text).toBe('13:00');
  });

  it("gives a reminder the contact's next appointment as `appointment`", async () => {
    const id = await campaign({
      kind: 'reminder',
      offsets: ['-24h'],
      schedule: undefined,
      audience: undefined,
      template: '{{appointment.doctor}} on {{formatDate appointment.startsAt "d MMMM"}}',
    });
    await db.sql`
      insert into appointments (external_id, contact_id, starts_at, attributes, status)
      select x.external_id, c.id, x.starts_at::timestamptz, x.attributes::jsonb, x.status::appointment_status
      from contacts c, (values
        ('past', '2026-11-01T09:00:00Z', '{"doctor": "Dr. Past"}', 'booked'),
        ('cancelled', '2026-11-28T09:00:00Z', '{"doctor": "Dr. Cancelled"}', 'cancelled'),
        ('next', '2026-11-30T09:00:00Z', '{"doctor": "Dr. Next"}', 'booked'),
        ('later', '2026-12-20T09:00:00Z', '{"doctor": "Dr. Later"}', 'booked')
      ) as x(external_id, starts_at, attributes, status)
      where c.phone = '79002000003'`;
    const preview = await previewCampaign(db.sql, id, { phone: '79002000003', now: NOW, phoneRegion: 'RU' });
    expect(preview).toMatchObject({ ok: true, text: 'Dr. Next on 30 ноября' });
  });

  it('samples a contact with an appointment for a reminder, and counts appointments × offsets', async () => {
    const id = await campaign({
      kind: 'reminder',
      offsets: ['-24h', '-2h'],
      schedule: undefined,
      audience: undefined,
      template: '{{name}}: {{appointment.externalId}} at {{formatTime appointment.startsAt}}',
    });
    await db.sql`
      insert into appointments (external_id, contact_id, starts_at, attributes, status)
      select 'sampled', c.id, '2026-12-02T09:00:00Z', '{"room": "12"}', 'booked'
      from contacts c where c.phone = '79002000003'`;
    const preview = await previewCampaign(db.sql, id, { now: NOW, phoneRegion: 'RU' });
    // Vera comes first of the audience, but has no appointment: her reminder could not be rendered.
    expect(preview).toMatchObject({ sample: true, contact: { phone: '79002000003' }, ok: true });
    expect(preview.text).toMatch(/^Gleb: \w+ at \d\d:\d\d$/);
    const [row] = await db.sql<{ upcoming: number }[]>`
      select count(*)::int as upcoming from appointments where status <> 'cancelled' and starts_at > ${NOW}`;
    const upcoming = row?.upcoming ?? 0;
    expect(preview.audience).toMatchObject({
      unit: 'reminders',
      appointments: upcoming,
      offsets: 2,
      recipients: upcoming * 2,
    });
    expect(upcoming).toBeGreaterThan(0);
  });

  it('refuses a campaign that does not exist, a phone no contact has, and text that is no phone', async () => {
    const id = await campaign();
    await expect(previewCampaign(db.sql, 999_999, { now: NOW, phoneRegion: 'RU' })).rejects.toThrow(
      CampaignNotFoundError,
    );
    await expect(
      previewCampaign(db.sql, id, { phone: '79009999999', now: NOW, phoneRegion: 'RU' }),
    ).rejects.toThrow(ContactNotFoundError);
    await expect(
      previewCampaign(db.sql, id, { phone: 'ring me', now: NOW, phoneRegion: 'RU' }),
    ).rejects.toThrow(ContactInputError);
  });
});
