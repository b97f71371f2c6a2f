import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { failureLine as failure } from '../../support/cli.js';
import { cliTestBed } from '../../support/cliTestBed.js';
import { seedContacts } from '../../support/engineHarness.js';

const bed = cliTestBed('campaign-edit');
const { cli } = bed;

beforeAll(async () => {
  await seedContacts(bed.db.sql, { count: 3, list: 'vip' });
  await bed.db.sql`insert into lists (name) values ('other')`;
});

const draft = {
  name: 'Spring sale',
  kind: 'broadcast',
  transport: 'whatsapp',
  channelId: 1,
  template: 'Hi {{firstName}}',
  audience: { list: 'vip' },
  schedule: { at: '2099-03-01T10:00:00+03:00' },
  draft: true,
};

async function created(document: object): Promise<number> {
  const file = join(bed.dir, `c-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify(document));
  const result = await cli('campaign', 'create', file, '--json');
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout).id as number;
}

describe('broadcaster campaign show --document and edit', () => {
  it('prints a draft as written, and replaces it with an edited file (YAML too), still a draft', async () => {
    const id = await created(draft);
    const shown = await cli('campaign', 'show', String(id), '--document');
    expect(shown.code, shown.stderr).toBe(0);
    const document = JSON.parse(shown.stdout);
    expect(document).toEqual(draft);

    const edited = join(bed.dir, 'edited.json');
    await writeFile(
      edited,
      JSON.stringify({ ...document, template: 'Hello {{firstName}}', audience: { list: 'other' } }),
    );
    const result = await cli('campaign', 'edit', String(id), edited);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      `Campaign ${id} "Spring sale" replaced from ${edited}; still a draft (\`broadcaster campaign publish ${id}\` takes it live).\n`,
    );
    const [row] = await bed.db.sql<{ status: string; template_source: string; list: string }[]>`
      select c.status, c.template_source, l.name as list from campaigns c join lists l on l.id = c.list_id
      where c.id = ${id}`;
    expect(row).toEqual({ status: 'draft', template_source: 'Hello {{firstName}}', list: 'other' });

    const yaml = join(bed.dir, 'edited.yaml');
    await writeFile(
      yaml,
      [
        'name: Spring sale, weekly',
        'kind: broadcast',
        'transport: sms',
        'template: "Hi {{firstName}}"',
        'audience: { list: vip }',
        'schedule: { cron: "0 10 * * MON", timezone: Europe/Moscow }',
        'missedTicks: runLatest',
      ].join('\n'),
    );
    const json = JSON.parse((await cli('campaign', 'edit', String(id), yaml, '--json')).stdout);
    expect(json).toMatchObject({ id, name: 'Spring sale, weekly', status: 'draft', transport: 'sms' });
    expect(json.definition).toMatchObject({ missedTicks: 'runLatest' });
  });

  it('judges the file as create does: every problem named with its field and line, nothing changed', async () => {
    const id = await created(draft);
    const bad = join(bed.dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ ...draft, transport: 'pigeon', missedTicks: 'skip' }, null, 2));
    const line = failure(await cli('campaign', 'edit', String(id), bad), 1);
    expect(line).toContain('transport: expected one of whatsapp');
    expect(line).toContain('missedTicks: only a recurring campaign');
    expect(line).toMatch(/\(line \d+/);
    const [row] = await bed.db.sql<{ transport: string }[]>`select transport from campaigns where id = ${id}`;
    expect(row?.transport).toBe('whatsapp');
  });

  it('refuses a campaign that is not a draft, before reading the file', async () => {
    const id = await created({ ...draft, draft: false });
    expect(failure(await cli('campaign', 'edit', String(id), join(bed.dir, 'missing.json')), 1)).toBe(
      `broadcaster campaign: campaign ${id} is scheduled: only a draft can be edited`,
    );
    expect(failure(await cli('campaign', 'edit', '999999', join(bed.dir, 'missing.json')), 1)).toBe(
      'broadcaster campaign: campaign 999999 does not exist',
    );
  });

  it('needs an ID and a .json or .yaml FILE (exit code 2)', async () => {
    expect(failure(await cli('campaign', 'edit', '1'), 2)).toContain('missing FILE');
    expect(failure(await cli('campaign', 'edit', '1', 'draft.txt'), 2)).toContain(
      'FILE must end in .json, .yaml or .yml',
    );
    expect(failure(await cli('campaign', 'show', '1', '--document', '--wait'), 2)).toContain(
      '--document and --wait do not go together',
    );
  });
});
