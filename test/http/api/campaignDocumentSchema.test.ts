import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import {
  CAMPAIGN_KINDS,
  CAMPAIGN_RATE_RANGE,
  TRANSPORTS,
  validateCampaignDefinition,
} from '../../../src/campaigns/definition.js';
import { CampaignDefinitionError } from '../../../src/campaigns/errors.js';
import { campaignDocumentSchema } from '../../../src/http/api/campaignDocumentSchema.js';

const NOW = new Date('2026-11-27T07:00:00Z');

function validator() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  return ajv.compile(campaignDocumentSchema);
}

/** The fields validateCampaignDefinition knows, read from its answer to one it does not. */
function fieldsTheValidatorKnows(): string[] {
  try {
    validateCampaignDefinition({ qqqqqqqqqqqqqqqq: 1 }, { now: NOW });
  } catch (error) {
    if (!(error instanceof CampaignDefinitionError)) throw error;
    const unknown = error.issues.find((issue) => issue.path === 'qqqqqqqqqqqqqqqq');
    const allowed = /\(allowed: (.+)\)/.exec(unknown?.message ?? '');
    if (allowed?.[1]) return allowed[1].split(', ');
  }
  throw new Error('the validator did not list the fields it knows');
}

const broadcast = {
  name: 'Black Friday',
  kind: 'broadcast',
  transport: 'viber',
  template: 'Hi {{name}}',
  audience: { list: 'vip' },
  schedule: { at: '2026-11-28T10:00:00+03:00' },
  sendWindow: { from: '09:00', to: '21:00', days: [1, 2, 3, 4, 5] },
  rateLimit: { perSecond: 5 },
  variables: { discount: 20, code: 'BF', final: true },
};

const reminder = {
  name: 'Visit reminder',
  kind: 'reminder',
  transport: 'whatsapp',
  whatsappTemplate: { name: 'visit', language: 'ru', body: ['{{appointment.startsAt}}'] },
  offsets: ['-24h', '-2h'],
  sendLateWithin: '1h',
  purpose: 'transactional',
  draft: true,
};

describe('campaignDocumentSchema', () => {
  it('documents exactly the fields the campaign validator accepts', () => {
    expect(Object.keys(campaignDocumentSchema.properties).sort()).toEqual(fieldsTheValidatorKnows().sort());
  });

  it('offers the same kinds and transports as the validator', () => {
    expect(campaignDocumentSchema.properties.kind.enum).toEqual([...CAMPAIGN_KINDS]);
    expect(campaignDocumentSchema.properties.transport.enum).toEqual([...TRANSPORTS]);
  });

  it('bounds the rate limit as the validator does', () => {
    const { perSecond } = campaignDocumentSchema.properties.rateLimit.properties;
    expect([perSecond.minimum, perSecond.maximum]).toEqual([
      CAMPAIGN_RATE_RANGE.min,
      CAMPAIGN_RATE_RANGE.max,
    ]);
  });

  it('describes a typical broadcast and a typical reminder, both also valid to the validator', () => {
    const valid = validator();
    expect(valid(broadcast), JSON.stringify(valid.errors)).toBe(true);
    expect(valid(reminder), JSON.stringify(valid.errors)).toBe(true);
    expect(() => validateCampaignDefinition(broadcast, { now: NOW })).not.toThrow();
    expect(() => validateCampaignDefinition(reminder, { now: NOW })).not.toThrow();
  });

  it('requires name, kind and transport, and refuses unknown fields', () => {
    const valid = validator();
    expect(valid({ name: 'x', kind: 'broadcast' })).toBe(false);
    expect(valid.errors?.map((e) => e.params)).toContainEqual({ missingProperty: 'transport' });
    expect(valid({ ...broadcast, sendWindw: {} })).toBe(false);
  });

  it('takes a template inline or from a file, nothing else', () => {
    const valid = validator();
    expect(valid({ ...broadcast, template: { file: 'sale.hbs' } })).toBe(true);
    expect(valid({ ...broadcast, template: { path: 'sale.hbs' } })).toBe(false);
    expect(valid({ ...broadcast, template: 42 })).toBe(false);
  });
});
