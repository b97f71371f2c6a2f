import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign } from '../../src/campaigns/createCampaign.js';
import {
  type CampaignDefinition,
  parseCampaignText,
  validateCampaignDefinition,
} from '../../src/campaigns/definition.js';
import { CampaignDefinitionError, TemplateError } from '../../src/campaigns/errors.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
let templatesDir: string;
let vipListId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  templatesDir = await mkdtemp(join(tmpdir(), 'campaign-templates-'));
  await writeFile(
    join(templatesDir, 'reminder.hbs'),
    'See you at {{formatTime appointment.startsAt}}, {{firstName}}',
  );
  await writeFile(join(templatesDir, 'broken.hbs'), 'Line one\nSee you {{#if x}}');
  const list = await db.prisma.contactList.create({ data: { name: 'vip' } });
  vipListId = list.id;
});
afterAll(async () => {
  await db.drop();
  await rm(templatesDir, { recursive: true, force: true });
});

const now = new Date('2026-11-20T12:00:00Z');

const blackFriday = {
  name: 'Black Friday',
  kind: 'broadcast',
  transport: 'whatsapp',
  channelId: 1,
  template: "Hi {{firstName}}, {{discount}}% off until {{formatDate endsAt 'd MMMM'}}",
  audience: { list: 'vip' },
  schedule: { at: '2026-11-27T10:00:00+03:00' },
  sendWindow: { from: '09:00', to: '21:00' },
  rateLimit: { perSecond: 5 },
  requireOptIn: true,
};

const reminder = {
  name: 'Visit reminder',
  kind: 'reminder',
  transport: 'viber',
  template: { file: 'reminder.hbs' },
  offsets: ['-24h', '-2h'],
  sendLateWithin: '30m',
  timezone: 'Europe/Moscow',
  requireOptIn: false,
};

const definitionOf = (value: unknown) => validateCampaignDefinition(value, { now });
const create = (definition: CampaignDefinition, at = now) =>
  createCampaign(db, definition, { now: at, templatesDir });

async function rowOf(id: number) {
  const [row] = await db.sql`select * from campaigns where id = ${id}`;
  return row;
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('createCampaign', () => {
  it('stores a one-shot broadcast as scheduled, due at its time', async () => {
    const created = await create(definitionOf(blackFriday));
    const at = new Date('2026-11-27T07:00:00Z');
    expect(created).toEqual({ id: expect.any(Number), status: 'scheduled', nextRunAt: at, warnings: [] });
    expect(await rowOf(created.id)).toMatchObject({
      name: 'Black Friday',
      kind: 'broadcast',
      status: 'scheduled',
      transport: 'whatsapp',
      channel_id: 1,
      template_source: blackFriday.template,
      list_id: vipListId,
      schedule_at: at,
      schedule_cron: null,
      timezone: null,
      next_run_at: at,
      reminder_offsets: [],
      send_window: { from: '09:00', to: '21:00' },
      rate_limit_per_second: 5,
      purpose: 'marketing',
      template_variables: {},
      created_at: now,
    });
  });

  it('keeps the definition exactly as the user wrote it', async () => {
    const yaml = [
      'name: Weekly digest',
      'kind: broadcast',
      'transport: telegram',
      'template: "Hello {{name}}"',
      'audience: { all: true }',
      'schedule: { cron: "0 10 * * mon", timezone: Europe/Moscow }',
      'rateLimit: { perSecond: 0.5 }',
    ].join('\n');
    const created = await create(parseCampaignText(yaml, 'yaml', { now }));
    expect((await rowOf(created.id))?.definition).toEqual({
      name: 'Weekly digest',
      kind: 'broadcast',
      transport: 'telegram',
      template: 'Hello {{name}}',
      audience: { all: true },
      schedule: { cron: '0 10 * * mon', timezone: 'Europe/Moscow' },
      rateLimit: { perSecond: 0.5 },
    });
  });

  it('stores a cron broadcast with its zone, due at the first tick after now', async () => {
    const created = await create(
      definitionOf({
        ...blackFriday,
        audience: { all: true },
        schedule: { cron: '0 10 * * MON', timezone: 'Europe/Moscow' },
      }),
    );
    // 2026-11-20 is a Friday: the next Monday 10:00 in Moscow is 07:00Z on the 23rd.
    expect(created.nextRunAt).toEqual(new Date('2026-11-23T07:00:00Z'));
    expect(await rowOf(created.id)).toMatchObject({
      schedule_cron: '0 10 * * MON',
      timezone: 'Europe/Moscow',
      schedule_at: null,
      list_id: null,
    });
  });

  it('stores a reminder campaign as running, with its offsets in seconds and its template file resolved', async () => {
    const created = await create(definitionOf(reminder));
    expect(created).toEqual({ id: expect.any(Number), status: 'running', nextRunAt: null, warnings: [] });
    expect(await rowOf(created.id)).toMatchObject({
      kind: 'reminder',
      status: 'running',
      template_source: 'See you at {{formatTime appointment.startsAt}}, {{firstName}}',
      reminder_offsets: [-86_400, -7_200],
      timezone: 'Europe/Moscow',
      purpose: 'transactional',
      next_run_at: null,
      send_window: null,
      rate_limit_per_second: null,
    });
  });

  it('stores a draft as draft with no next run', async () => {
    const created = await create(definitionOf({ ...blackFriday, draft: true }));
    expect(created).toEqual({ id: expect.any(Number), status: 'draft', nextRunAt: null, warnings: [] });
    expect((await rowOf(created.id))?.schedule_at).toEqual(new Date('2026-11-27T07:00:00Z'));
  });

  it('refuses an audience list that does not exist, at audience.list', async () => {
    const error = await errorOf(create(definitionOf({ ...blackFriday, audience: { list: 'nobody' } })));
    expect(error).toBeInstanceOf(CampaignDefinitionError);
    expect((error as CampaignDefinitionError).issues).toEqual([
      { path: 'audience.list', message: 'no contact list named "nobody"' },
    ]);
  });

  it('refuses a template file that does not compile, naming the file and line', async () => {
    const error = await errorOf(create(definitionOf({ ...reminder, template: { file: 'broken.hbs' } })));
    expect(error).toBeInstanceOf(TemplateError);
    expect(error).toMatchObject({ file: 'broken.hbs', line: 2 });
  });

  it('refuses a template file that is not there', async () => {
    const error = await errorOf(create(definitionOf({ ...reminder, template: { file: 'missing.hbs' } })));
    expect(error).toMatchObject({ code: 'template_file_not_found', file: 'missing.hbs' });
  });

  it('refuses a one-shot time that passed between validation and creation', async () => {
    const definition = definitionOf(blackFriday);
    const error = await errorOf(create(definition, new Date('2026-11-28T00:00:00Z')));
    expect((error as CampaignDefinitionError).issues[0]?.path).toBe('schedule.at');
  });

  it('stores a definition built in code in the format users write', async () => {
    const definition = definitionOf(reminder);
    delete definition.raw;
    const created = await create(definition);
    const stored = (await rowOf(created.id))?.definition;
    expect(stored).toMatchObject({ kind: 'reminder', offsets: ['-24h', '-2h'], sendLateWithin: '30m' });
    expect(validateCampaignDefinition(stored, { now })).toEqual({ ...definition, raw: stored });
  });

  it('refuses at audience.list a list deleted between its lookup and the write, as one that never was', async () => {
    await db.prisma.contactList.create({ data: { name: 'fleeting' } });
    // The race, made certain: the list goes just before the campaign row is written.
    await db.sql.unsafe(`
      create function delete_the_list() returns trigger language plpgsql as
        $$ begin delete from lists where id = new.list_id; return new; end $$;
      create trigger list_goes before insert on campaigns for each row execute function delete_the_list();`);
    try {
      const error = await errorOf(create(definitionOf({ ...blackFriday, audience: { list: 'fleeting' } })));
      expect(error).toBeInstanceOf(CampaignDefinitionError);
      expect((error as CampaignDefinitionError).issues).toEqual([
        { path: 'audience.list', message: 'no contact list named "fleeting" (it was just deleted)' },
      ]);
    } finally {
      await db.sql.unsafe('drop trigger list_goes on campaigns; drop function delete_the_list();');
    }
  });

  it('stores nothing when it refuses', async () => {
    const [before] = await db.sql<{ n: number }[]>`select count(*)::int as n from campaigns`;
    await errorOf(create(definitionOf({ ...blackFriday, audience: { list: 'nobody' } })));
    const [after] = await db.sql<{ n: number }[]>`select count(*)::int as n from campaigns`;
    expect(after?.n).toBe(before?.n);
  });
});
