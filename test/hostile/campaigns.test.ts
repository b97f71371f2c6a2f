import { describe, expect, it } from 'vitest';
import { parseCampaignText } from '../../src/campaigns/definition.js';
import { CampaignDefinitionError } from '../../src/campaigns/errors.js';
import { loadCorpus } from './corpus.js';

interface Expected {
  code: string;
  messageIncludes: string;
  path?: string;
  line?: number;
}

const now = new Date('2026-11-27T07:00:00Z');

function refusal(text: string, format: 'json' | 'yaml'): CampaignDefinitionError {
  try {
    parseCampaignText(text, format, { now });
  } catch (error) {
    if (error instanceof CampaignDefinitionError) return error;
    throw error;
  }
  throw new Error('the campaign was accepted');
}

describe('hostile campaign definitions', () => {
  const cases = loadCorpus<Expected>('campaigns', ['.json', '.yaml']);

  it('has a corpus to run', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  it.each(cases)('refuses $file with a clear error', ({ file, text, expected }) => {
    const error = refusal(text, file.endsWith('.yaml') ? 'yaml' : 'json');
    expect(error.code).toBe(expected.code);
    expect(error.message).toContain(expected.messageIncludes);
    const issue = error.issues[0];
    if (expected.path !== undefined) expect(issue?.path).toBe(expected.path);
    if (expected.line !== undefined) expect(issue?.line).toBe(expected.line);
  });

  it('refuses a 10 MB name naming the field, without echoing it whole', () => {
    const text = JSON.stringify({ name: 'x'.repeat(10 * 1024 * 1024), kind: 'broadcast', transport: 'fax' });
    const error = refusal(text, 'json');
    expect(error.issues.map((issue) => issue.path)).toContain('transport');
    expect(error.message.length).toBeLessThan(2_000);
  });

  it('refuses a 10 MB YAML template value only for what is wrong around it', () => {
    const text = `name: Promo\nkind: broadcast\ntransport: fax\ntemplate: "${'y'.repeat(10 * 1024 * 1024)}"\n`;
    const error = refusal(text, 'yaml');
    expect(error.issues[0]).toMatchObject({ path: 'transport', line: 3 });
    expect(error.message.length).toBeLessThan(2_000);
  });

  it('never pollutes Object.prototype while reading prototype keys', () => {
    refusal('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}', 'json');
    refusal('__proto__:\n  polluted: true\n', 'yaml');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
