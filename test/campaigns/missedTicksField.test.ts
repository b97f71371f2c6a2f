import { describe, expect, it } from 'vitest';
import { campaignDocument } from '../../src/campaigns/campaignDocument.js';
import { validateCampaignDefinition } from '../../src/campaigns/definition.js';
import { CampaignDefinitionError } from '../../src/campaigns/errors.js';
import { missedTicksOf } from '../../src/campaigns/missedTicksField.js';

const now = new Date('2026-11-20T12:00:00Z');
const weekly = {
  name: 'Weekly digest',
  kind: 'broadcast',
  transport: 'whatsapp',
  template: 'Hi',
  audience: { list: 'vip' },
  schedule: { cron: '0 10 * * MON', timezone: 'Europe/Moscow' },
};

function issuesOf(value: unknown) {
  try {
    validateCampaignDefinition(value, { now });
  } catch (error) {
    if (error instanceof CampaignDefinitionError) return error.issues;
    throw error;
  }
  throw new Error('expected the definition to be refused');
}

describe('missedTicks in a campaign definition', () => {
  it('is read on a recurring campaign, and left out (skip) when not given', () => {
    expect(validateCampaignDefinition({ ...weekly, missedTicks: 'runLatest' }, { now }).missedTicks).toBe(
      'runLatest',
    );
    expect(validateCampaignDefinition({ ...weekly, missedTicks: 'skip' }, { now }).missedTicks).toBe('skip');
    expect(validateCampaignDefinition(weekly, { now })).not.toHaveProperty('missedTicks');
  });

  it('refuses an unknown policy, naming the field and the choices', () => {
    expect(issuesOf({ ...weekly, missedTicks: 'all' })).toEqual([
      { path: 'missedTicks', message: 'expected one of skip, runLatest, got "all"' },
    ]);
  });

  it('is refused on a one-shot and on a reminder campaign, which have no ticks to miss', () => {
    const oneShot = { ...weekly, schedule: { at: '2026-11-27T10:00:00+03:00' }, missedTicks: 'skip' };
    expect(issuesOf(oneShot).map((issue) => issue.path)).toEqual(['missedTicks']);
    const reminder = {
      name: 'Visit',
      kind: 'reminder',
      transport: 'whatsapp',
      template: 'Hi',
      offsets: ['-2h'],
      missedTicks: 'runLatest',
    };
    expect(issuesOf(reminder)).toEqual([
      {
        path: 'missedTicks',
        message: 'only a recurring campaign ({"schedule": {"cron": …}}) has ticks to miss; leave it out here',
      },
    ]);
  });

  it('survives being written back as a document', () => {
    const definition = validateCampaignDefinition({ ...weekly, missedTicks: 'runLatest' }, { now });
    expect(campaignDocument({ ...definition, raw: undefined })).toMatchObject({ missedTicks: 'runLatest' });
  });
});

describe('missedTicksOf', () => {
  it('reads the stored policy, skip when the document says none or something unknown', () => {
    expect(missedTicksOf({ missedTicks: 'runLatest' })).toBe('runLatest');
    expect(missedTicksOf({ missedTicks: 'skip' })).toBe('skip');
    expect(missedTicksOf({})).toBe('skip');
    expect(missedTicksOf(null)).toBe('skip');
  });
});
