import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCampaignForm } from '../../../src/http/dashboard/campaignCheck.js';
import { blankCampaignForm, type CampaignForm } from '../../../src/http/dashboard/campaignForm.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { seedContacts } from '../../support/engineHarness.js';

const NOW = new Date('2026-11-27T07:00:00.000Z');
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedContacts(db.sql, { count: 10, list: 'vip' });
});
afterAll(async () => {
  await db?.drop();
});

const deps = () => ({
  db,
  templatesDir: join(import.meta.dirname, '..', '..', '..', 'templates'),
  phoneRegion: 'RU' as const,
});

function form(overrides: Partial<CampaignForm> = {}): CampaignForm {
  return {
    ...blankCampaignForm('Europe/Moscow'),
    name: 'Weekly',
    list: 'vip',
    template: 'Hi {{firstName}}, {{discount}}% off',
    scheduleMode: 'cron',
    cron: '0 10 * * MON',
    ...overrides,
  };
}

describe('checkCampaignForm', () => {
  it('counts the audience, lists the next runs and the variables, and renders the first contact’s message', async () => {
    const { check, errors } = await checkCampaignForm(deps(), form(), NOW);
    expect(errors.size).toBe(0);
    expect(check.count).toEqual({ members: 10, matching: 10, optedIn: 10 });
    expect(check.zone).toBe('Europe/Moscow');
    expect(check.runs.map((r) => r.toISOString())).toEqual([
      '2026-11-30T07:00:00.000Z',
      '2026-12-07T07:00:00.000Z',
      '2026-12-14T07:00:00.000Z',
      '2026-12-21T07:00:00.000Z',
      '2026-12-28T07:00:00.000Z',
    ]);
    expect(check.variables).toEqual(expect.arrayContaining(['name', 'phone', 'firstName', 'discount']));
    expect(check.preview).toMatchObject({
      ok: true,
      text: 'Hi Name1, 11% off',
      contact: { phone: '79000000001' },
    });
  });

  it('says a variable the audience lacks, as the worker would skip', async () => {
    const { check } = await checkCampaignForm(deps(), form({ template: 'Hi {{nickname}}' }), NOW);
    expect(check.preview).toMatchObject({
      ok: false,
      problem: 'missing_variable',
      missingVariable: 'nickname',
    });
  });

  it('puts each problem at its field, saving and previewing nothing', async () => {
    const { check, errors } = await checkCampaignForm(
      deps(),
      form({ cron: 'every day', where: 'age >' }),
      NOW,
    );
    expect([...errors.keys()].sort()).toEqual(['cron', 'where']);
    expect(check.preview).toBeUndefined();
    const missing = await checkCampaignForm(deps(), form({ list: 'nobody' }), NOW);
    expect(missing.errors.get('list')).toEqual(['no contact list named "nobody"']);
  });
});
