import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCampaignText } from '../../src/campaigns/definition.js';
import { MAX_CAMPAIGN_CHARS, MAX_CAMPAIGN_ENTRIES } from '../../src/campaigns/documentBounds.js';
import { CampaignDefinitionError, MAX_REPORTED_ISSUES } from '../../src/campaigns/errors.js';
import { type ApiServer, leaksNothing, startApiServer } from '../http/apiServer.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { loadCorpus } from './corpus.js';
import { healthzWhileInFlight } from './healthz.js';

interface Expected {
  code: string;
  messageIncludes: string;
  path?: string;
  line?: number;
}

const now = new Date('2026-11-27T07:00:00Z');

const broadcast = {
  name: 'Promo',
  kind: 'broadcast',
  transport: 'whatsapp',
  template: 'Hi {{name}}',
  audience: { list: 'vip' },
  schedule: { at: '2026-12-01T10:00:00Z' },
};

/** The 590 KB YAML campaign that held the event loop for 110 s: 60,000 keys. */
const sixtyThousandKeysYaml = `name: Promo\n${Array.from({ length: 60_000 }, (_, i) => `k${i}: ${i}`).join('\n')}\n`;
/** 80,000 unknown keys, once answered with a 30 MB error. */
const eightyThousandKeysJson = JSON.stringify({
  ...broadcast,
  ...Object.fromEntries(Array.from({ length: 80_000 }, (_, i) => [`k${i}`, 1])),
});
const TOO_MANY_ENTRIES = `has more than ${MAX_CAMPAIGN_ENTRIES} keys and list items; a campaign needs a few dozen`;

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

  it(`refuses a 10 MB campaign for its size, before parsing it`, () => {
    const json = JSON.stringify({ name: 'x'.repeat(10 * 1024 * 1024), kind: 'broadcast', transport: 'fax' });
    const yaml = `name: Promo\nkind: broadcast\ntransport: fax\ntemplate: "${'y'.repeat(10 * 1024 * 1024)}"\n`;
    for (const [text, format] of [
      [json, 'json'],
      [yaml, 'yaml'],
    ] as const) {
      const error = refusal(text, format);
      expect(error.issues).toEqual([
        { path: '', message: `the campaign has ${text.length} characters; at most ${MAX_CAMPAIGN_CHARS}` },
      ]);
    }
  });

  it('refuses a long value only for what is wrong around it, without echoing it whole', () => {
    const long = 'x'.repeat(MAX_CAMPAIGN_CHARS - 1_000);
    const json = refusal(JSON.stringify({ name: long, kind: 'broadcast', transport: 'fax' }), 'json');
    expect(json.issues.map((issue) => issue.path)).toContain('transport');
    expect(json.message.length).toBeLessThan(2_000);
    const yaml = refusal(`name: Promo\nkind: broadcast\ntransport: fax\ntemplate: "${long}"\n`, 'yaml');
    expect(yaml.issues[0]).toMatchObject({ path: 'transport', line: 3 });
    expect(yaml.message.length).toBeLessThan(2_000);
  });

  it('refuses the 590 KB YAML of 60,000 keys for its size, and 20,000 keys within the size for their number', () => {
    expect(refusal(sixtyThousandKeysYaml, 'yaml').issues).toEqual([
      {
        path: '',
        message: `the campaign has ${sixtyThousandKeysYaml.length} characters; at most ${MAX_CAMPAIGN_CHARS}`,
      },
    ]);
    const twentyThousand = `name: Promo\n${Array.from({ length: 20_000 }, (_, i) => `k${i}: ${i}`).join('\n')}\n`;
    expect(twentyThousand.length).toBeLessThan(MAX_CAMPAIGN_CHARS);
    expect(refusal(twentyThousand, 'yaml').issues).toEqual([{ path: '', message: TOO_MANY_ENTRIES }]);
  });

  it(`refuses 80,000 unknown JSON keys with one short error`, () => {
    const error = refusal(eightyThousandKeysJson, 'json');
    expect(error.issues).toEqual([
      {
        path: '',
        message: `the campaign has ${eightyThousandKeysJson.length} characters; at most ${MAX_CAMPAIGN_CHARS}`,
      },
    ]);
    expect(error.message.length).toBeLessThan(200);
  });

  it(`lists the first ${MAX_REPORTED_ISSUES} of a YAML's ${MAX_CAMPAIGN_ENTRIES - 100} unknown keys, each at its line, and counts the rest`, () => {
    const keys = Array.from({ length: MAX_CAMPAIGN_ENTRIES - 100 }, (_, i) => `unknownKey${i}: ${i}`);
    const yaml = ['name: Promo', 'kind: broadcast', 'transport: whatsapp', 'template: Hi', ...keys].join(
      '\n',
    );
    const error = refusal(yaml, 'yaml');
    expect(error.issues).toHaveLength(MAX_REPORTED_ISSUES);
    expect(error.issues[0]).toMatchObject({ path: 'unknownKey0', line: 5 });
    expect(error.issues[MAX_REPORTED_ISSUES - 1]).toMatchObject({ path: 'unknownKey19', line: 24 });
    expect(error.moreIssues).toBe(keys.length + 2 - MAX_REPORTED_ISSUES);
    expect(error.message).toMatch(/; and 1882 more$/);
    expect(error.message.length).toBeLessThan(10_000);
  });

  it('finds a repeated key in a YAML of nearly the most keys allowed, at its line', () => {
    const keys = Array.from({ length: MAX_CAMPAIGN_ENTRIES - 10 }, (_, i) => `  v${i}: ${i}`);
    const yaml = ['name: Promo', 'variables:', ...keys, '  v0: again'].join('\n');
    expect(refusal(yaml, 'yaml').issues).toEqual([
      { path: '', message: 'invalid YAML: Map keys must be unique', line: keys.length + 3, column: 3 },
    ]);
  });

  it('never pollutes Object.prototype while reading prototype keys', () => {
    refusal('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}', 'json');
    refusal('__proto__:\n  polluted: true\n', 'yaml');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('hostile campaign definitions over the HTTP API', () => {
  let db: TestDatabase;
  let server: ApiServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.sql`insert into lists (name) values ('vip')`;
    server = await startApiServer(db);
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  const bombs = [
    {
      name: 'the 590 KB YAML of 60,000 keys',
      body: sixtyThousandKeysYaml,
      contentType: 'application/yaml',
      message: `invalid campaign: campaign: the campaign has ${sixtyThousandKeysYaml.length} characters; at most ${MAX_CAMPAIGN_CHARS}`,
    },
    {
      name: 'JSON of 80,000 unknown keys',
      body: eightyThousandKeysJson,
      contentType: 'application/json',
      message: `invalid campaign: campaign: ${TOO_MANY_ENTRIES}`,
    },
  ];

  it.each(bombs)(
    'answers /healthz within a second while refusing $name with a short error, and stores nothing',
    async ({ body, contentType, message }) => {
      const { bomb, healthzMs, healthzStatus } = await healthzWhileInFlight(server, () =>
        server.call<{ error: { code: string; message: string } }>('POST', '/api/v1/campaigns', {
          body,
          contentType,
        }),
      );
      expect(healthzStatus).toBe(200);
      expect(healthzMs).toBeLessThan(1_000);
      expect({ status: bomb.status, code: bomb.body.error.code, message: bomb.body.error.message }).toEqual({
        status: 400,
        code: 'campaign_invalid',
        message,
      });
      expect(bomb.text.length).toBeLessThan(2_000);
      expect(leaksNothing(bomb.text)).toBe(true);
      const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from campaigns`;
      expect(row?.n).toBe(0);
    },
  );

  it(`answers ${MAX_CAMPAIGN_ENTRIES - 100} unknown JSON keys with the first ${MAX_REPORTED_ISSUES} and a count of the rest`, async () => {
    const unknown = Object.fromEntries(
      Array.from({ length: MAX_CAMPAIGN_ENTRIES - 100 }, (_, i) => [`k${i}`, 1]),
    );
    const answer = await server.call<{ error: { details: { issues: unknown[]; moreIssues: number } } }>(
      'POST',
      '/api/v1/campaigns',
      { json: { ...broadcast, ...unknown } },
    );
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.issues).toHaveLength(MAX_REPORTED_ISSUES);
    expect(answer.body.error.details.moreIssues).toBe(MAX_CAMPAIGN_ENTRIES - 100 - MAX_REPORTED_ISSUES);
    expect(answer.text.length).toBeLessThan(10_000);
  });
});
