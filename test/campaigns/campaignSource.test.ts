import { describe, expect, it } from 'vitest';
import { type CampaignFormat, readCampaignSource } from '../../src/campaigns/campaignSource.js';
import { CampaignDefinitionError } from '../../src/campaigns/errors.js';

function refusal(text: string, format: CampaignFormat): CampaignDefinitionError {
  try {
    readCampaignSource(text, format);
  } catch (error) {
    if (error instanceof CampaignDefinitionError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

const yaml = [
  'name: Осень',
  'kind: broadcast',
  'schedule:',
  '  at: "2026-11-28T10:00:00+03:00"',
  'offsets:',
  '  - -24h',
  '  - -2h',
  '',
].join('\n');

describe('readCampaignSource', () => {
  it('refuses a JSON campaign that gives a key twice, naming the key and where, as YAML does', () => {
    const text = '{\n  "name": "A",\n  "kind": "broadcast",\n  "name": "B"\n}';
    expect(refusal(text, 'json').issues).toEqual([
      {
        path: '',
        message: 'invalid JSON: "name" is given twice in one object (JSON would keep the last silently)',
        line: 4,
        column: 3,
      },
    ]);
  });

  it('parses YAML and finds where each field was written', () => {
    const source = readCampaignSource(yaml, 'yaml');
    expect(source.value).toEqual({
      name: 'Осень',
      kind: 'broadcast',
      schedule: { at: '2026-11-28T10:00:00+03:00' },
      offsets: ['-24h', '-2h'],
    });
    expect(source.locate('schedule.at')).toEqual({ line: 4, column: 7 });
    expect(source.locate('offsets[1]')).toEqual({ line: 7, column: 5 });
  });

  it('points a missing field at its nearest parent that exists, and nothing at all at no field', () => {
    const source = readCampaignSource(yaml, 'yaml');
    expect(source.locate('schedule.cron')).toEqual({ line: 4, column: 3 });
    expect(source.locate('nothing.here')).toEqual({});
    expect(source.locate('')).toEqual({});
  });

  it('parses JSON and locates its fields the same way', () => {
    const source = readCampaignSource('{\n  "name": "Осень",\n  "schedule": {"at": "x"}\n}', 'json');
    expect(source.value).toEqual({ name: 'Осень', schedule: { at: 'x' } });
    expect(source.locate('name')).toEqual({ line: 2, column: 11 });
    expect(source.locate('schedule.at')).toEqual({ line: 3, column: 22 });
  });

  it('reads past a byte-order mark', () => {
    expect(readCampaignSource('\uFEFF{"a": 1}', 'json').value).toEqual({ a: 1 });
    expect(readCampaignSource('\uFEFFa: 1\n', 'yaml').value).toEqual({ a: 1 });
  });

  it('keeps YAML 1.1 booleans and dates as text, for validation to read', () => {
    expect(readCampaignSource('optIn: no\nat: 2026-11-28\n', 'yaml').value).toEqual({
      optIn: 'no',
      at: '2026-11-28',
    });
  });

  it('refuses invalid JSON with its line and column', () => {
    const error = refusal('{\n  "name": "x",\n  oops\n}', 'json');
    expect(error.code).toBe('campaign_invalid');
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatchObject({ path: '', line: 3, column: 3 });
    expect(error.issues[0]?.message).toMatch(/^invalid JSON: /);
    expect(error.issues[0]?.message).not.toMatch(/position/);
    expect(refusal('{"name": ', 'json').issues[0]).toMatchObject({ line: 1, column: 10 });
  });

  it('refuses invalid YAML with its line and column', () => {
    expect(refusal('name: [unclosed\nkind: x', 'yaml').issues[0]).toMatchObject({
      path: '',
      message: expect.stringMatching(/^invalid YAML: /),
      line: 2,
      column: 1,
    });
  });

  it('refuses a key given twice in YAML, where it stands', () => {
    expect(refusal('name: a\nkind: b\nname: c\n', 'yaml').issues).toEqual([
      { path: '', message: 'invalid YAML: Map keys must be unique', line: 3, column: 1 },
    ]);
  });

  it('refuses a tag yaml cannot resolve instead of reading it as text', () => {
    expect(refusal('x: !!js/function "function(){}"\n', 'yaml').issues).toEqual([
      {
        path: '',
        message: 'invalid YAML: Unresolved tag: tag:yaml.org,2002:js/function',
        line: 1,
        column: 4,
      },
    ]);
  });

  it('refuses an alias bomb', () => {
    const bomb = [
      'a: &a [x,x,x,x,x,x,x,x,x,x]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]',
    ].join('\n');
    expect(refusal(bomb, 'yaml').issues[0]).toMatchObject({
      message: expect.stringMatching(/^invalid YAML: .*alias/i),
      line: 1,
      column: 1,
    });
  });

  it('refuses text over the document bounds before parsing it', () => {
    for (const format of ['json', 'yaml'] as const) {
      expect(refusal('['.repeat(1000), format).issues, format).toEqual([
        { path: '', message: 'nested more than 64 levels deep', line: 1, column: 65 },
      ]);
    }
  });
});
