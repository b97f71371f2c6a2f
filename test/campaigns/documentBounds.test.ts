import { describe, expect, it } from 'vitest';
import {
  MAX_CAMPAIGN_CHARS,
  MAX_CAMPAIGN_ENTRIES,
  refuseOversizedFile,
  refuseOversizedText,
  refuseOversizedValue,
} from '../../src/campaigns/documentBounds.js';
import { CampaignDefinitionError } from '../../src/campaigns/errors.js';

function refusal(refuse: () => void): CampaignDefinitionError {
  try {
    refuse();
  } catch (error) {
    if (error instanceof CampaignDefinitionError) return error;
    throw error;
  }
  throw new Error('expected the campaign to be refused');
}

const TOO_MANY = `has more than ${MAX_CAMPAIGN_ENTRIES} keys and list items; a campaign needs a few dozen`;

describe('refuseOversizedText', () => {
  it('lets a campaign of ordinary size through', () => {
    expect(() => refuseOversizedText('{"name": "Осень", "offsets": ["-24h", "-2h"]}')).not.toThrow();
    expect(() => refuseOversizedText('x'.repeat(MAX_CAMPAIGN_CHARS))).not.toThrow();
  });

  it(`refuses text over ${MAX_CAMPAIGN_CHARS} characters`, () => {
    const error = refusal(() => refuseOversizedText('x'.repeat(MAX_CAMPAIGN_CHARS + 1)));
    expect(error.code).toBe('campaign_invalid');
    expect(error.issues).toEqual([
      {
        path: '',
        message: `the campaign has ${MAX_CAMPAIGN_CHARS + 1} characters; at most ${MAX_CAMPAIGN_CHARS}`,
      },
    ]);
  });

  it('refuses brackets nested more than 64 deep, pointing at the one too many', () => {
    expect(() => refuseOversizedText('['.repeat(64) + ']'.repeat(64))).not.toThrow();
    expect(refusal(() => refuseOversizedText(`a:\n  ${'['.repeat(65)}`)).issues).toEqual([
      { path: '', message: 'nested more than 64 levels deep', line: 2, column: 67 },
    ]);
  });

  it('does not count brackets and commas inside double-quoted strings', () => {
    expect(() => refuseOversizedText(`"${'['.repeat(100)}"`)).not.toThrow();
    expect(() => refuseOversizedText(`["${','.repeat(5000)}"]`)).not.toThrow();
    expect(() => refuseOversizedText(`["a \\" ${'['.repeat(100)}"]`)).not.toThrow();
  });

  it(`refuses more than ${MAX_CAMPAIGN_ENTRIES} list items or keys, in JSON or YAML`, () => {
    expect(() => refuseOversizedText(`[${'1,'.repeat(MAX_CAMPAIGN_ENTRIES - 1)}1]`)).not.toThrow();
    expect(refusal(() => refuseOversizedText(`[${'1,'.repeat(MAX_CAMPAIGN_ENTRIES + 1)}1]`)).issues).toEqual([
      { path: '', message: TOO_MANY },
    ]);
    expect(
      refusal(() => refuseOversizedText('- a\n'.repeat(MAX_CAMPAIGN_ENTRIES + 1))).issues[0]?.message,
    ).toBe(TOO_MANY);
    const keys = Array.from({ length: MAX_CAMPAIGN_ENTRIES + 1 }, (_, i) => `k${i}: v`).join('\n');
    expect(refusal(() => refuseOversizedText(keys)).issues[0]?.message).toBe(TOO_MANY);
  });
});

describe('refuseOversizedFile', () => {
  it('refuses a file only when its bytes cannot be within the character limit', () => {
    expect(() => refuseOversizedFile(3 * MAX_CAMPAIGN_CHARS)).not.toThrow();
    expect(refusal(() => refuseOversizedFile(3 * MAX_CAMPAIGN_CHARS + 1)).issues).toEqual([
      {
        path: '',
        message: `the file has ${3 * MAX_CAMPAIGN_CHARS + 1} bytes; a campaign has at most ${MAX_CAMPAIGN_CHARS} characters`,
      },
    ]);
  });
});

describe('refuseOversizedValue', () => {
  it('counts keys and list items at every level', () => {
    expect(() =>
      refuseOversizedValue({ a: Array.from({ length: MAX_CAMPAIGN_ENTRIES - 1 }, () => 1) }),
    ).not.toThrow();
    expect(
      refusal(() => refuseOversizedValue({ a: Array.from({ length: MAX_CAMPAIGN_ENTRIES }, () => 1) }))
        .issues,
    ).toEqual([{ path: '', message: TOO_MANY }]);
    const keys = Object.fromEntries(
      Array.from({ length: MAX_CAMPAIGN_ENTRIES + 1 }, (_, i) => [`k${i}`, null]),
    );
    expect(refusal(() => refuseOversizedValue(keys)).issues[0]?.message).toBe(TOO_MANY);
  });

  it('stops counting a circular value at the limit instead of running forever', () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    expect(refusal(() => refuseOversizedValue(circular)).issues[0]?.message).toBe(TOO_MANY);
  });

  it('takes scalars as nothing to count', () => {
    expect(() => refuseOversizedValue('text')).not.toThrow();
    expect(() => refuseOversizedValue(null)).not.toThrow();
  });
});
