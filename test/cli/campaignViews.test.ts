import { describe, expect, it } from 'vitest';
import type { CampaignDetails, CampaignSummary } from '../../src/campaigns/queries.js';
import {
  formatCampaignDetails,
  formatCampaignList,
  formatMissedTicks,
  formatNextRun,
  formatSchedule,
} from '../../src/cli/campaignViews.js';

const CREATED = new Date('2026-11-20T09:00:00.000Z');
const NEXT = new Date('2026-11-28T07:00:00.000Z');

const noDeliveries = () => ({
  queued: 0,
  waiting: 0,
  sending: 0,
  sent: 0,
  delivered: 0,
  read: 0,
  failed: 0,
  skipped: 0,
});

function summary(over: Partial<CampaignSummary> = {}): CampaignSummary {
  return {
    id: 3,
    name: 'Black Friday',
    kind: 'broadcast',
    status: 'running',
    statusReason: null,
    transport: 'whatsapp',
    channelId: 1,
    purpose: 'marketing',
    nextRunAt: null,
    schedule: { at: CREATED },
    timezone: 'Europe/Moscow',
    createdAt: CREATED,
    updatedAt: CREATED,
    counts: noDeliveries(),
    ...over,
  };
}

function details(over: Partial<CampaignDetails> = {}): CampaignDetails {
  return {
    ...summary(),
    definition: {},
    templateSource: 'Hello {{name}}!\nSee you soon',
    whatsappTemplate: null,
    attachment: null,
    runs: [],
    runCount: 0,
    ...over,
  };
}

describe('formatCampaignList', () => {
  it('gives one line per campaign, adding its deliveries up to pending, sent (delivered and read too) and failed', () => {
    const text = formatCampaignList(
      {
        items: [
          summary({
            counts: {
              ...noDeliveries(),
              queued: 5,
              waiting: 2,
              sending: 1,
              sent: 10,
              delivered: 20,
              read: 30,
              failed: 4,
              skipped: 3,
            },
          }),
          summary({
            id: 12,
            name: 'Digest',
            kind: 'broadcast',
            status: 'scheduled',
            transport: 'sms',
            nextRunAt: NEXT,
            schedule: { cron: '0 10 * * SAT', timezone: 'Europe/Moscow' },
          }),
        ],
        total: 2,
      },
      0,
    );

    expect(text.split('\n')).toEqual([
      'ID  NAME          KIND       STATUS     TRANSPORT  SCHEDULE                                  NEXT RUN                             TOTAL  PENDING  SENT  FAILED  SKIPPED',
      ' 3  Black Friday  broadcast  running    whatsapp   once Fri 20 Nov 2026 12:00 Europe/Moscow  -                                       75        8    60       4        3',
      '12  Digest        broadcast  scheduled  sms        cron 0 10 * * SAT Europe/Moscow           Sat 28 Nov 2026 10:00 Europe/Moscow      0        0     0       0        0',
    ]);
  });

  it('gives a paused, finished or draft campaign no stale next run, and a reminder campaign no schedule', () => {
    const cron = { cron: '0 10 * * MON', timezone: 'Europe/Moscow' };
    const nextRuns = (['paused', 'cancelled', 'completed', 'draft', 'scheduled'] as const).map((status) =>
      formatNextRun(summary({ status, nextRunAt: NEXT, schedule: cron })),
    );
    expect(nextRuns).toEqual([
      'paused',
      '-',
      '-',
      'draft (none until published)',
      'Sat 28 Nov 2026 10:00 Europe/Moscow',
    ]);
    expect(formatSchedule(summary({ kind: 'reminder', schedule: null }))).toBe('before each appointment');
    expect(formatSchedule(summary({ schedule: { at: NEXT }, timezone: null }))).toBe(
      'once Sat 28 Nov 2026 07:00 UTC',
    );
  });

  it('says which part of the list a page is, and how to see more', () => {
    const items = [summary({ id: 11 }), summary({ id: 12 })];

    expect(formatCampaignList({ items, total: 25 }, 10).split('\n').at(-1)).toBe(
      '(11–12 of 25; --offset for more)',
    );
    expect(formatCampaignList({ items, total: 2 }, 0)).not.toContain('--offset');
  });

  it('gives the headings alone for an empty list', () => {
    expect(formatCampaignList({ items: [], total: 0 }, 0)).toBe(
      'ID  NAME  KIND  STATUS  TRANSPORT  SCHEDULE  NEXT RUN  TOTAL  PENDING  SENT  FAILED  SKIPPED',
    );
  });
});

describe('formatCampaignDetails', () => {
  it('gives the fields, the deliveries per state that has any, and the template', () => {
    const text = formatCampaignDetails(
      details({
        status: 'paused',
        statusReason: 'quota',
        nextRunAt: NEXT,
        counts: { ...noDeliveries(), sent: 7, failed: 1, queued: 2 },
      }),
    );

    expect(text.split('\n')).toEqual([
      'Campaign 3 "Black Friday"',
      'kind:        broadcast',
      'status:      paused (quota)',
      'transport:   whatsapp, channel 1',
      'consent:     marketing: only contacts with a recorded opt-in; an opt-out stops every message',
      'schedule:    once Fri 20 Nov 2026 12:00 Europe/Moscow',
      'next run:    paused',
      'created:     2026-11-20T09:00:00.000Z',
      'updated:     2026-11-20T09:00:00.000Z',
      'deliveries:  10: queued 2, sent 7, failed 1',
      '',
      'Template:',
      '  Hello {{name}}!',
      '  See you soon',
    ]);
  });

  it('says there are no deliveries yet, and gives a transport without a channel alone', () => {
    const lines = formatCampaignDetails(
      details({ channelId: null, transport: 'sms', purpose: 'transactional' }),
    ).split('\n');

    expect(lines).toContain('transport:   sms');
    expect(lines).toContain('deliveries:  none yet');
    expect(lines).toContain('consent:     transactional: no opt-in needed; an opt-out stops every message');
  });

  it('gives a WhatsApp template with its variables, and the attachment, instead of an empty template', () => {
    const text = formatCampaignDetails(
      details({
        templateSource: '',
        whatsappTemplate: {
          name: 'visit_reminder',
          language: 'ru',
          header: { type: 'text', text: '{{name}}' },
          body: ['{{name}}', '{{appointment.at}}'],
          buttons: ['{{appointment.id}}'],
        },
        attachment: 'https://example.com/map.pdf',
      }),
    );

    expect(text).not.toContain('Template:');
    expect(text.split('\n').slice(-8)).toEqual([
      '',
      'WhatsApp template: visit_reminder (ru)',
      '  header: {{name}}',
      '  body {{1}}: {{name}}',
      '  body {{2}}: {{appointment.at}}',
      '  button 1: {{appointment.id}}',
      '',
      'Attachment: https://example.com/map.pdf',
    ]);
  });

  it('names the kind of a media header', () => {
    const text = formatCampaignDetails(
      details({
        templateSource: '',
        whatsappTemplate: { name: 'promo', language: 'en', header: { type: 'image' }, body: [], buttons: [] },
      }),
    );

    expect(text).toContain('\nWhatsApp template: promo (en)\n  header: image');
  });

  it('lists the runs last', () => {
    const text = formatCampaignDetails(
      details({
        runs: [
          { id: 41, scheduledFor: NEXT, status: 'pending', expandedAt: null, completedAt: null },
          { id: 7, scheduledFor: CREATED, status: 'completed', expandedAt: CREATED, completedAt: CREATED },
        ],
        runCount: 2,
      }),
    );

    expect(text.split('\n').slice(-4)).toEqual([
      'Runs:',
      'RUN  SCHEDULED FOR             STATUS     EXPANDED                  COMPLETED',
      ' 41  2026-11-28T07:00:00.000Z  pending    -                         -',
      '  7  2026-11-20T09:00:00.000Z  completed  2026-11-20T09:00:00.000Z  2026-11-20T09:00:00.000Z',
    ]);
  });
});

describe('formatMissedTicks', () => {
  const zone = 'Europe/Moscow';
  const next = new Date('2026-12-14T07:00:00.000Z');
  it('says how many ticks are skipped and when the next run is, in the zone', () => {
    expect(
      formatMissedTicks({ policy: 'skip', missed: 2, runsNow: null, nextRunAt: next, timezone: zone }),
    ).toBe(
      '2 ticks missed while paused are skipped (missedTicks: skip); next run Mon 14 Dec 2026 10:00 Europe/Moscow.',
    );
    expect(
      formatMissedTicks({ policy: 'skip', missed: 1, runsNow: null, nextRunAt: next, timezone: zone }),
    ).toBe(
      '1 tick missed while paused is skipped (missedTicks: skip); next run Mon 14 Dec 2026 10:00 Europe/Moscow.',
    );
  });

  it('says that the latest runs now with runLatest, and when nothing was missed', () => {
    const latest = new Date('2026-12-07T07:00:00.000Z');
    expect(
      formatMissedTicks({ policy: 'runLatest', missed: 3, runsNow: latest, nextRunAt: next, timezone: zone }),
    ).toBe(
      '3 ticks missed while paused: the latest (Mon 7 Dec 2026 10:00 Europe/Moscow) runs now (missedTicks: runLatest); then next run Mon 14 Dec 2026 10:00 Europe/Moscow.',
    );
    expect(
      formatMissedTicks({ policy: 'skip', missed: 0, runsNow: null, nextRunAt: next, timezone: zone }),
    ).toBe('No tick was missed while paused; next run Mon 14 Dec 2026 10:00 Europe/Moscow.');
  });
});
