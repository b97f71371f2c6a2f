import { beforeAll, describe, expect, it } from 'vitest';
import { receiveWebhookEvent } from '../../../src/delivery/webhookEvents.js';
import { campaignReport } from '../../../src/reports/campaignReport.js';
import { nearStopReplies } from '../../../src/reports/sql/nearStopReplies.js';
import { insertCampaign, insertDelivery, insertRun, useTestDatabasePerFile } from '../seedReport.js';

const db = useTestDatabasePerFile();
let campaignId: number;
let firstRun: number;
let secondRun: number;

/** A client's reply as Chat2Desk brings it, recorded (and flagged) the way every reply is. */
async function reply(clientId: number, messageId: number, text: string, at: string) {
  const payload = { hook_type: 'inbox', message_id: messageId, text, client: { id: clientId } };
  await receiveWebhookEvent(db.sql, payload, JSON.stringify(payload), { now: new Date(at) });
}

beforeAll(async () => {
  campaignId = await insertCampaign(db.sql, { name: 'Weekly', transport: 'sms' });
  firstRun = await insertRun(db.sql, campaignId, '2026-11-27T10:00:00Z');
  secondRun = await insertRun(db.sql, campaignId, '2026-12-04T10:00:00Z');
  const sent = { state: 'sent', dueAt: '2026-11-27T10:00:00Z', transport: 'sms' };
  await insertDelivery(db.sql, campaignId, firstRun, { ...sent, phone: '79001110001' });
  await insertDelivery(db.sql, campaignId, secondRun, { ...sent, phone: '79001110002' });
  const other = await insertCampaign(db.sql, { name: 'Other', transport: 'sms' });
  await insertDelivery(db.sql, other, await insertRun(db.sql, other, '2026-11-27T10:00:00Z'), {
    ...sent,
    phone: '79001110003',
  });
  await db.sql`update contacts set chat2desk_client_id = 900 + right(phone, 1)::int`;

  await reply(901, 1, 'стоп спам', '2026-11-26T09:00:00Z'); // before the campaign's first run
  await reply(901, 2, 'please stop it', '2026-11-27T11:00:00Z');
  await reply(901, 3, 'спасибо', '2026-11-27T11:01:00Z');
  await reply(902, 4, 'отпишите меня пожалуйста', '2026-12-04T11:00:00Z');
  await reply(903, 5, 'стоп спам', '2026-11-27T12:00:00Z'); // not a recipient of this campaign
  await reply(901, 6, 'STOP', '2026-11-27T13:00:00Z'); // a STOP, applied: not "near"
});

describe('nearStopReplies', () => {
  it("counts and lists the recipients' replies that look like STOP since the first run, earliest first", async () => {
    const found = await nearStopReplies(db.sql, { campaignId }, 1);

    expect(found.count).toBe(2);
    expect(found.replies).toEqual([
      {
        contactId: expect.any(Number),
        phone: '79001110001',
        text: 'please stop it',
        at: '2026-11-27T11:00:00.000Z',
      },
    ]);
  });

  it("keeps to one run's recipients and time when the report is of one run", async () => {
    const found = await nearStopReplies(db.sql, { campaignId, runId: secondRun }, 20);

    expect(found).toEqual({
      count: 1,
      replies: [expect.objectContaining({ phone: '79001110002', text: 'отпишите меня пожалуйста' })],
    });
  });

  it('gives the campaign report a field with them', async () => {
    const report = await campaignReport(db.sql, campaignId);

    expect(report.nearStopReplies.count).toBe(2);
    expect(report.nearStopReplies.replies.map((r) => r.text)).toEqual([
      'please stop it',
      'отпишите меня пожалуйста',
    ]);
  });
});
