import { describe, expect, it } from 'vitest';
import type { CampaignForecast } from '../../../src/campaigns/forecast.js';
import type { CampaignDetails } from '../../../src/campaigns/queries.js';
import {
  type CampaignSetup,
  campaignSetupActions,
  campaignSetupPanel,
  nextRuns,
  scheduleOf,
} from '../../../src/http/dashboard/campaignSetup.js';
import { uiFor } from '../../../src/http/dashboard/ui.js';

const NOW = new Date('2026-11-27T07:00:00.000Z');
const EN = uiFor({});

function details(overrides: Partial<CampaignDetails> = {}): CampaignDetails {
  return {
    id: 7,
    name: 'Weekly digest',
    kind: 'broadcast',
    status: 'draft',
    statusReason: null,
    transport: 'viber',
    channelId: null,
    purpose: 'marketing',
    nextRunAt: null,
    schedule: { cron: '0 10 * * MON', timezone: 'Europe/Moscow' },
    timezone: null,
    createdAt: NOW,
    updatedAt: NOW,
    counts: {},
    definition: {
      schedule: { cron: '0 10 * * MON', timezone: 'Europe/Moscow' },
      audience: { list: 'vip' },
      sendWindow: { from: '09:00', to: '21:00' },
    },
    templateSource: 'Hi {{name}} <3',
    whatsappTemplate: null,
    attachment: null,
    runs: [],
    runCount: 0,
    ...overrides,
  };
}

function setup(overrides: Partial<CampaignSetup> = {}): CampaignSetup {
  return {
    details: details(),
    archivedAt: null,
    preview: null,
    forecast: null,
    windowZone: null,
    previewPhone: '',
    csrf: 'token',
    canTestSend: true,
    now: NOW,
    ...overrides,
  };
}

describe('scheduleOf and nextRuns', () => {
  it('give a cron schedule’s next five runs in its zone', () => {
    const { schedule, zone } = scheduleOf(details().definition);
    expect(zone).toBe('Europe/Moscow');
    expect(nextRuns(schedule, NOW).map((d) => d.toISOString())).toEqual([
      '2026-11-30T07:00:00.000Z',
      '2026-12-07T07:00:00.000Z',
      '2026-12-14T07:00:00.000Z',
      '2026-12-21T07:00:00.000Z',
      '2026-12-28T07:00:00.000Z',
    ]);
  });

  it('give a one-shot schedule its one run, none once it passed, and none without a schedule', () => {
    const { schedule } = scheduleOf({ schedule: { at: '2026-11-28T10:00:00+03:00' } });
    expect(nextRuns(schedule, NOW)).toEqual([new Date('2026-11-28T07:00:00.000Z')]);
    expect(nextRuns(schedule, new Date('2026-12-01T00:00:00Z'))).toEqual([]);
    expect(scheduleOf({}).schedule).toBeNull();
    expect(scheduleOf({ schedule: { cron: '0 9 * * *' }, timezone: 'Mars/Olympus' }).zone).toBe('UTC');
  });
});

describe('campaignSetupPanel', () => {
  it('states the set-up: audience, schedule with its next runs in the campaign’s zone, window, rate, template', () => {
    const out = campaignSetupPanel(EN, setup()).value;
    expect(out).toContain('<dd>vip</dd>');
    expect(out).toContain('repeating: 0 10 * * MON in Europe/Moscow; the next runs:');
    expect(out.match(/<li>/g)).toHaveLength(5);
    expect(out).toContain('<li>2026-11-30 10:00 <span class="muted">(2026-11-30 07:00 UTC)</span></li>');
    expect(out).toContain('09:00–21:00 in each contact’s zone');
    expect(out).toContain('<pre class="message" data-field="template">Hi {{name}} &lt;3</pre>');
    expect(out).toContain('action="/campaigns/7/test-send"');
  });

  it('shows a preview, or why it could not be made', () => {
    const preview = {
      campaignId: 7,
      contact: { id: 1, phone: '79000000001', name: 'Anna' },
      sample: true,
      ok: true,
      text: 'Hi Anna <3',
      size: { length: 10, limit: 1000 },
      timezone: 'Europe/Moscow',
      consent: { purpose: 'marketing' as const, rule: '', skipped: null },
      audience: {
        unit: 'contacts' as const,
        recipients: 1212,
        willSend: 1188,
        skipped: 24,
        skips: [
          { reason: 'missing_variable' as const, variable: 'last_purchase', count: 17 },
          { reason: 'no_consent' as const, count: 7 },
        ],
      },
    };
    const out = campaignSetupPanel(EN, setup({ preview })).value;
    expect(out).toContain(
      '<p class="muted" data-preview="audience">Whole audience: 1,212, of which 1,188 will be sent and 24 skipped ' +
        '(missing_variable: last_purchase 17, no_consent 7)</p>',
    );
    expect(out).toContain('<pre class="message" data-preview="text">Hi Anna &lt;3</pre>');
    expect(out).toContain('As Anna +79000000001 would get it (the first contact of the audience)');
    const missing = campaignSetupPanel(
      EN,
      setup({ preview: { error: 'no contact with phone 79001112233' } }),
    ).value;
    expect(missing).toContain('<div class="error" role="alert">no contact with phone 79001112233</div>');
  });

  it('offers a viewer no form that changes anything, and no test message', () => {
    const out = campaignSetupPanel(EN, setup({ csrf: undefined })).value;
    expect(out).not.toContain('method="post"');
    expect(campaignSetupActions(EN, setup({ csrf: undefined })).value).toBe('');
  });
});

describe('the forecast on a campaign with a send window', () => {
  const forecast: CampaignForecast = {
    audience: 1300,
    optedOut: 40,
    noConsent: 56,
    recipients: 1204,
    noTimeZone: 1204,
    newClients: 0,
    requests: 1204,
    quota: { month: '2026-11', used: 0, limit: null, share: null },
    perSecond: null,
    startsAt: null,
    finishesAt: null,
  };

  it('warns how many recipients have no time zone, and in which zone their window is read', () => {
    const out = campaignSetupPanel(EN, setup({ forecast, windowZone: 'Europe/Moscow' })).value;
    expect(out).toContain(
      '1,204 recipients have no time zone: the send window is evaluated for them in Europe/Moscow.',
    );
    const ru = campaignSetupPanel(
      uiFor({ 'accept-language': 'ru' }),
      setup({ forecast, windowZone: 'UTC' }),
    ).value;
    expect(ru).toMatch(/У 1\s204 получателей нет часового пояса: окно отправки для них считается в UTC\./);
  });

  it('says nothing of zones without a window, or when everyone has one', () => {
    expect(campaignSetupPanel(EN, setup({ forecast, windowZone: null })).value).not.toContain('no-time-zone');
    const zoned = { ...forecast, noTimeZone: 0 };
    expect(campaignSetupPanel(EN, setup({ forecast: zoned, windowZone: 'UTC' })).value).not.toContain(
      'no-time-zone',
    );
  });
});

describe('campaignSetupActions', () => {
  it('gives a draft edit, publish and delete, and anything a duplicate', () => {
    const draft = campaignSetupActions(EN, setup()).value;
    for (const expected of [
      'href="/campaigns/7/edit"',
      'action="/campaigns/7/publish"',
      'action="/campaigns/7/delete"',
    ]) {
      expect(draft).toContain(expected);
    }
    const live = campaignSetupActions(EN, setup({ details: details({ status: 'running' }) })).value;
    expect(live).toContain('href="/campaigns/new?from=7"');
    expect(live).not.toContain('publish');
    expect(live).not.toContain('/edit');
  });
});
