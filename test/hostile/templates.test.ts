import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCampaign } from '../../src/campaigns/createCampaign.js';
import { validateCampaignDefinition } from '../../src/campaigns/definition.js';
import { TemplateError } from '../../src/campaigns/errors.js';
import { previewCampaign } from '../../src/campaigns/preview.js';
import { Timekeeper } from '../../src/scheduler/timekeeper.js';
import { compileTemplate, RENDER_LIMITS, type RenderResult } from '../../src/templating/template.js';
import { startApiServer } from '../http/apiServer.js';
import { createEngineHarness, type EngineHarness, seedContacts } from '../support/engineHarness.js';
import { loadCorpus } from './corpus.js';

/** Either compiling fails with `code`, or rendering for Ann gives `render`. */
interface Expected {
  code?: string;
  messageIncludes?: string;
  line?: number;
  render?: RenderResult;
  /** What the template renders with; default `{ name: 'Ann' }`. */
  context?: Record<string, unknown>;
}

describe('hostile templates', () => {
  const cases = loadCorpus<Expected>('templates', ['.hbs']);

  it('has a corpus to run', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  it.each(cases)('handles $file as the corpus expects', ({ text, expected }) => {
    if (expected.code) {
      let thrown: unknown;
      try {
        compileTemplate(text);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(TemplateError);
      const error = thrown as TemplateError;
      expect(error.code).toBe(expected.code);
      expect(error.message).toContain(expected.messageIncludes ?? '');
      if (expected.line !== undefined) expect(error.line).toBe(expected.line);
    } else {
      const context = expected.context ?? { name: 'Ann' };
      expect(compileTemplate(text).render(context)).toMatchObject(expected.render ?? {});
    }
  });

  it('leaves Object.prototype alone after every hostile template ran', () => {
    for (const { text } of cases) {
      try {
        compileTemplate(text).render({ name: 'Ann' });
      } catch {
        // The refusals are checked above; here only their side effects matter.
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
  });
});

/** Four nested loops over a 100-item list: 10^8 passes, 71 bytes of template. */
const LOOP_BOMB =
  '{{#each @root.a}}{{#each @root.a}}{{#each @root.a}}{{#each @root.a}}x{{/each}}{{/each}}{{/each}}{{/each}}';
const MINUTE = 60_000;

describe('hostile templates in a campaign, from creation to send', () => {
  let h: EngineHarness;
  let templatesDir: string;
  const bombed = '79000000001';
  const modest = '79000000002';

  beforeAll(async () => {
    h = await createEngineHarness();
    await seedContacts(h.db.sql, { count: 2, list: 'vip' });
    await h.db.sql`
      update contacts set attributes = attributes || jsonb_build_object(
        'a', case when phone = ${bombed} then (select jsonb_agg(i) from generate_series(0, 99) as i) else '[1, 2]' end,
        'big', repeat('y', 10000))`;
    templatesDir = await mkdtemp(join(tmpdir(), 'hostile-templates-'));
    await symlink('/etc/passwd', join(templatesDir, 'passwd.hbs'));
  });
  afterAll(async () => {
    await h?.close();
    await rm(templatesDir, { recursive: true, force: true });
  });

  async function campaign(template: unknown) {
    const now = h.clock.now();
    const definition = validateCampaignDefinition(
      {
        name: 'Bomb',
        kind: 'broadcast',
        transport: 'sms',
        template,
        audience: { list: 'vip' },
        schedule: { at: new Date(now.getTime() + MINUTE).toISOString() },
      },
      { now },
    );
    return createCampaign(h.db, definition, { now, templatesDir });
  }

  const preview = (campaignId: number, phone: string) =>
    previewCampaign(h.db.sql, campaignId, { phone, now: h.clock.now(), phoneRegion: 'RU' });

  it('stores the 71-byte loop bomb, and refuses it for the contact with a 100-item list at preview and at send', async () => {
    const created = await campaign(LOOP_BOMB);
    expect(await preview(created.id, bombed)).toMatchObject({
      ok: false,
      problem: 'render_limit',
      detail: `more than ${RENDER_LIMITS.loopPasses} passes through {{#each}} in one message`,
    });
    expect(await preview(created.id, modest)).toMatchObject({ ok: true, text: 'x'.repeat(16) });

    h.clock.advance(MINUTE);
    await new Timekeeper({ sql: h.db.sql, clock: h.clock }).tick();
    const { worker } = await h.addWorker();
    await worker.drain();
    const rows = await h.db.sql`
      select c.phone, d.state, d.reason, d.rendered_text from deliveries d join contacts c on c.id = d.contact_id
      where d.campaign_id = ${created.id} order by c.phone`;
    expect(rows).toEqual([
      { phone: bombed, state: 'skipped', reason: 'render_limit', rendered_text: null },
      { phone: modest, state: 'sent', reason: null, rendered_text: 'x'.repeat(16) },
    ]);
    const sent = h.sandbox.state.messages.filter((m) => m.type === 'to_client');
    expect(sent.map((m) => h.sandbox.state.client(m.clientId)?.phone)).toEqual([modest]);
  });

  it('refuses a message of thousands of long values without a loop at preview', async () => {
    const created = await campaign('{{big}}'.repeat(20));
    expect(await preview(created.id, bombed)).toMatchObject({
      ok: false,
      problem: 'render_limit',
      detail: `the message would be longer than ${RENDER_LIMITS.textChars} characters`,
    });
  });

  it('refuses a template file that is a symbolic link to /etc/passwd, naming it, and stores nothing', async () => {
    const [before] = await h.db.sql<{ n: number }[]>`select count(*)::int as n from campaigns`;
    const error = await campaign({ file: 'passwd.hbs' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TemplateError);
    expect(error).toMatchObject({
      code: 'template_file_invalid',
      file: 'passwd.hbs',
      message: 'template passwd.hbs: is a symbolic link: templates/ takes the template files themselves',
    });
    const server = await startApiServer(h.db, { templatesDir });
    try {
      const answer = await server.call<{ error: { details: { issues: unknown[] } } }>(
        'POST',
        '/api/v1/campaigns',
        {
          json: {
            name: 'Bomb',
            kind: 'broadcast',
            transport: 'sms',
            template: { file: 'passwd.hbs' },
            audience: { list: 'vip' },
            schedule: { at: '2026-12-01T10:00:00Z' },
          },
        },
      );
      expect(answer.status).toBe(400);
      expect(answer.body.error.details.issues).toEqual([
        { path: 'template.file', message: expect.stringContaining('passwd.hbs: is a symbolic link') },
      ]);
      expect(answer.text).not.toContain('root:');
    } finally {
      await server.close();
    }
    const [after] = await h.db.sql<{ n: number }[]>`select count(*)::int as n from campaigns`;
    expect(after?.n).toBe(before?.n);
  });
});
