import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CampaignNotArchivableError, setCampaignArchived } from '../../src/campaigns/archive.js';
import { CampaignNotFoundError } from '../../src/campaigns/errors.js';
import { listCampaignProgress } from '../../src/reports/campaignProgress.js';
import { insertCampaign } from '../reports/seedReport.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const NOW = new Date('2026-11-27T07:00:00.000Z');
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

describe('setCampaignArchived', () => {
  it('archives a campaign that sends nothing more, leaving it out of the list until it is brought back', async () => {
    const done = await insertCampaign(db.sql, { name: 'Done', transport: 'viber', status: 'completed' });
    await insertCampaign(db.sql, { name: 'Live', transport: 'viber', status: 'running' });
    await setCampaignArchived(db.sql, done, { archived: true, now: NOW });

    const names = async (archived: boolean) =>
      (await listCampaignProgress(db.sql, { limit: 10, offset: 0, archived })).items.map((c) => c.name);
    expect(await names(false)).toEqual(['Live']);
    expect(await names(true)).toEqual(['Done']);
    expect((await listCampaignProgress(db.sql, { limit: 10, offset: 0 })).total).toBe(1);

    await setCampaignArchived(db.sql, done, { archived: false, now: NOW });
    expect(await names(false)).toEqual(['Live', 'Done']);
  });

  it('refuses a campaign that may still send, and one that does not exist', async () => {
    for (const status of ['scheduled', 'running', 'paused']) {
      const id = await insertCampaign(db.sql, { name: status, transport: 'viber', status });
      await expect(setCampaignArchived(db.sql, id, { archived: true, now: NOW })).rejects.toBeInstanceOf(
        CampaignNotArchivableError,
      );
    }
    await expect(setCampaignArchived(db.sql, 999_999, { archived: true, now: NOW })).rejects.toBeInstanceOf(
      CampaignNotFoundError,
    );
  });
});
