import { describe, expect, it } from 'vitest';
import { blankCampaignForm } from '../../../src/http/dashboard/campaignForm.js';
import {
  type CampaignFormPageInput,
  campaignFormPage,
} from '../../../src/http/dashboard/campaignFormPage.js';
import { uiFor } from '../../../src/http/dashboard/ui.js';

const EN = uiFor({});

function input(overrides: Partial<CampaignFormPageInput> = {}): CampaignFormPageInput {
  return {
    form: { ...blankCampaignForm('Europe/Moscow'), name: 'Sale "50%" <now>', list: 'vip' },
    action: '/campaigns/new',
    csrf: 'token',
    errors: new Map(),
    lists: [
      { name: 'vip', memberCount: 1_204 },
      { name: 'all-stars', memberCount: 1 },
    ],
    moreLists: false,
    channels: [{ id: 1, name: 'Main', transports: ['whatsapp', 'viber'] }],
    ...overrides,
  };
}

describe('campaignFormPage', () => {
  it('fills the fields, escaped, with the lists and their sizes and the account’s channels to pick from', () => {
    const out = campaignFormPage(EN, input()).value;
    expect(out).toContain('value="Sale &quot;50%&quot; &lt;now&gt;"');
    expect(out).toContain('<option value="vip" selected>vip (1,204 contacts)</option>');
    expect(out).toContain('<option value="all-stars">all-stars (1 contact)</option>');
    expect(out).toContain('<option value="1">#1 Main (whatsapp, viber)</option>');
    expect(out).toContain('<option value="Europe/Moscow" selected>Europe/Moscow</option>');
    expect(out).toContain('<input type="hidden" name="csrf" value="token">');
    expect(out).not.toContain('aria-invalid');
  });

  it('marks each field with its own problems, and lists those of the whole campaign on top', () => {
    const errors = new Map([
      ['at', ['"2026-11-27T06:00:00.000Z" is in the past']],
      ['general', ['variables.x: expected a value']],
    ] as const);
    const out = campaignFormPage(EN, input({ errors: new Map(errors) })).value;
    expect(out).toContain('<input id="at" name="at" type="datetime-local" value="" aria-invalid="true">');
    expect(out).toContain(
      '<div class="field-error" role="alert" data-error-for="at">&quot;2026-11-27T06:00:00.000Z&quot; is in the past</div>',
    );
    expect(out).toContain('<li>variables.x: expected a value</li>');
  });

  it('takes a typed channel id when Chat2Desk could not be asked, and keeps a list it does not offer', () => {
    const out = campaignFormPage(
      EN,
      input({
        channels: null,
        lists: [],
        moreLists: true,
        form: { ...blankCampaignForm('UTC'), list: 'far-away' },
      }),
    ).value;
    expect(out).toContain('<input id="channelId" name="channelId" inputmode="numeric" value="">');
    expect(out).toContain('<option value="far-away" selected>far-away</option>');
    expect(out).toContain('Only the first lists are offered here.');
  });
});
