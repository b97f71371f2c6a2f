import { beforeAll, describe, expect, it } from 'vitest';
import { firstFailures } from '../../../src/reports/sql/firstFailures.js';
import {
  insertCampaign,
  insertDelivery,
  insertRun,
  seedOtherCampaign,
  seedTwoRunReportCampaign,
  useTestDatabasePerFile,
} from '../seedReport.js';

const DUE = '2026-11-27T10:00:00.000Z';
const at = (time: string) => `2026-11-27T${time}.000Z`;

const db = useTestDatabasePerFile();
let campaign: number;
let runA: number;
let runB: number;
let invalidPhone: string;

beforeAll(async () => {
  const seeded = await seedTwoRunReportCampaign(
    db.sql,
    { name: 'Failures', transport: 'viber' },
    {
      due: DUE,
      firstRun: [
        {
          phone: '79012000001',
          name: 'Ann',
          state: 'failed',
          reason: 'chat2desk:Invalid phone',
          failedAt: at('10:05:00'),
        },
        { phone: '79012000002', state: 'skipped', reason: 'opted_out', skippedAt: at('10:01:00') },
        { phone: '79012000003', state: 'sent', sentAt: at('10:00:00') },
        { phone: '79012000004', state: 'queued' },
      ],
      secondRun: [
        { phone: '79012000005', state: 'skipped', reason: 'no_consent', skippedAt: at('10:03:00') },
      ],
    },
  );
  ({ campaign, runA, runB } = seeded);
  invalidPhone = seeded.deliveries[0][0]!;
  // Two events: the detail is the last one's.
  await db.sql`
    insert into delivery_events (delivery_id, run_id, from_state, to_state, reason, details, at)
    select d.id, d.run_id, e.from_state::delivery_state, e.to_state::delivery_state, e.reason, e.details, e.at
    from deliveries d, (values
      ('queued', 'sending', null, ${db.sql.json({ detail: 'an earlier word' })}::jsonb, ${at('10:04:00')}::timestamptz),
      ('sending', 'failed', 'chat2desk:Invalid phone',
       ${db.sql.json({ detail: 'Chat2Desk refused the number' })}::jsonb, ${at('10:05:00')}::timestamptz)
    ) as e(from_state, to_state, reason, details, at)
    where d.id = ${invalidPhone}`;
  await seedOtherCampaign(db.sql, DUE, [
    { phone: '79012000006', state: 'failed', reason: 'undeliverable', failedAt: at('09:00:00') },
  ]);
});

describe('firstFailures', () => {
  it('lists only failed and skipped deliveries of the campaign, earliest first, with whom, why and when', async () => {
    const failures = await firstFailures(db.sql, { campaignId: campaign }, 10);

    expect(failures.map(({ deliveryId: _, ...f }) => f)).toEqual([
      {
        phone: '79012000002',
        name: null,
        state: 'skipped',
        reason: 'opted_out',
        detail: null,
        at: at('10:01:00'),
      },
      {
        phone: '79012000005',
        name: null,
        state: 'skipped',
        reason: 'no_consent',
        detail: null,
        at: at('10:03:00'),
      },
      {
        phone: '79012000001',
        name: 'Ann',
        state: 'failed',
        reason: 'chat2desk:Invalid phone',
        detail: 'Chat2Desk refused the number',
        at: at('10:05:00'),
      },
    ]);
  });

  it('gives the delivery id as a number', async () => {
    const [failure] = await firstFailures(db.sql, { campaignId: campaign, runId: runA }, 10);
    expect(failure!.deliveryId).toBeTypeOf('number');
    expect(String((await firstFailures(db.sql, { campaignId: campaign }, 10))[2]!.deliveryId)).toBe(
      invalidPhone,
    );
  });

  it('lists at most `limit`, keeping the earliest', async () => {
    const failures = await firstFailures(db.sql, { campaignId: campaign }, 2);
    expect(failures.map((f) => f.phone)).toEqual(['79012000002', '79012000005']);
  });

  it('lists only the run asked for', async () => {
    const failures = await firstFailures(db.sql, { campaignId: campaign, runId: runB }, 10);
    expect(failures.map((f) => f.phone)).toEqual(['79012000005']);
  });

  it('breaks a tie of time by delivery id', async () => {
    const id = await insertCampaign(db.sql, { name: 'Same second', transport: 'viber' });
    const run = await insertRun(db.sql, id, DUE);
    for (const phone of ['79012000013', '79012000011', '79012000012']) {
      await insertDelivery(db.sql, id, run, {
        phone,
        state: 'skipped',
        reason: 'opted_out',
        skippedAt: DUE,
        dueAt: DUE,
      });
    }

    const failures = await firstFailures(db.sql, { campaignId: id }, 10);

    expect(failures.map((f) => f.phone)).toEqual(['79012000013', '79012000011', '79012000012']);
  });

  it('gives an empty list for a campaign without failures', async () => {
    const empty = await insertCampaign(db.sql, { name: 'Empty', transport: 'viber' });
    expect(await firstFailures(db.sql, { campaignId: empty }, 10)).toEqual([]);
  });
});
