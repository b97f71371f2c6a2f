import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, failureLine as failure, runCli } from '../../support/cli.js';
import { cliTestBed } from '../../support/cliTestBed.js';
import { createTestDatabase } from '../../support/database.js';
import { deliveryRow, seedDelivery, seedRunningCampaign } from '../../support/seedDeliveries.js';

const bed = cliTestBed('contact-views');
const { cli, file } = bed;

const CONTACTS_CSV =
  'phone,name,timezone,opted_in,opt_in_source,city,tier\n' +
  '+7 901 000-00-01,"Anna, Jr",Europe/Moscow,2026-01-10T09:00:00Z,shop,Kazan,gold\n' +
  '79010000002,Boris,,,,Omsk,\n' +
  '79010000003,Vera,UTC,true,site,,silver\n';

beforeAll(async () => {
  const imported = await cli('contacts', 'import', await file('contacts.csv', CONTACTS_CSV), '--list', 'vip');
  expect(imported.code, imported.stderr).toBe(0);
});

async function contactId(phone: string): Promise<number> {
  const [row] = await bed.db.sql<{ id: number }[]>`select id from contacts where phone = ${phone}`;
  return row!.id;
}

describe('broadcaster contacts list', () => {
  it('prints a page of contacts with their consent and lists, and how many there are', async () => {
    const result = await cli('contacts', 'list', '--list', 'vip');

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/PHONE\s+NAME\s+TIMEZONE\s+CONSENT\s+LISTS/);
    expect(result.stdout).toMatch(/\+79010000001\s+Anna, Jr\s+Europe\/Moscow\s+opted_in\s+vip/);
    expect(result.stdout).toMatch(/\+79010000002\s+Boris\s+-\s+none\s+vip/);
    expect(result.stdout).toContain('1–3 of 3 contacts');
  });

  it('searches and pages with --json, as the API answers', async () => {
    const searched = await cli('contacts', 'list', '--search', 'bor', '--json');
    expect(searched.code, searched.stderr).toBe(0);
    const page = JSON.parse(searched.stdout);
    expect(page.total).toBe(1);
    expect(page.items[0]).toMatchObject({ phone: '79010000002', name: 'Boris', consent: 'none' });

    const second = JSON.parse(
      (await cli('contacts', 'list', '--limit', '2', '--offset', '2', '--json')).stdout,
    );
    expect(second).toMatchObject({ total: 3, limit: 2, offset: 2 });
    expect(second.items.map((c: { name: string }) => c.name)).toEqual(['Vera']);
  });

  it('refuses a list that does not exist and a limit out of range', async () => {
    expect(failure(await cli('contacts', 'list', '--list', 'nobody'), 1)).toBe(
      'broadcaster contacts: no contact list named "nobody"',
    );
    expect(failure(await cli('contacts', 'list', '--limit', '0'), 2)).toBe(
      'broadcaster contacts: --limit expects a whole number >= 1 and <= 200, got "0"',
    );
  });
});

describe('broadcaster contacts show', () => {
  it('shows consent with its source and time, attributes, lists, appointments and messages', async () => {
    const result = await cli('contacts', 'show', '+7 (901) 000-00-01');

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Consent:\s+given 2026-01-10T09:00:00.000Z \(source: shop\)/);
    expect(result.stdout).toMatch(/Lists:\s+vip/);
    expect(result.stdout).toMatch(/city:\s+Kazan/);
    expect(result.stdout).toContain('Appointments: none');
    expect(result.stdout).toContain('Recent messages: none');
  });

  it('shows a consent an import withdrew (opted_in=false), with the source the file gave', async () => {
    const given = await file('given.csv', 'phone,opted_in,opt_in_source\n+7 901 555-00-01,true,shop\n');
    const withdrawn = await file('withdrawn.csv', 'phone,opted_in,opt_in_source\n+7 901 555-00-01,нет,crm\n');
    expect((await cli('contacts', 'import', given)).code).toBe(0);
    expect((await cli('contacts', 'import', withdrawn)).code).toBe(0);

    const result = await cli('contacts', 'show', '+7 901 555-00-01');

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Consent:\s+consent withdrawn by an import \S+ \(source: crm\)/);
    // The other tests count the file's three contacts.
    await bed.db.sql`delete from contacts where phone = '79015550001'`;
  });

  it('finds a contact by id too, and prints it with --json', async () => {
    const id = await contactId('79010000003');
    const result = await cli('contacts', 'show', String(id), '--json');

    expect(result.code, result.stderr).toBe(0);
    const shown = JSON.parse(result.stdout);
    expect(shown.contact).toMatchObject({ id, phone: '79010000003', optInSource: 'site', lists: ['vip'] });
    expect(shown).toMatchObject({ appointments: [], recentMessages: [] });
  });

  it('says which phone no contact has', async () => {
    expect(failure(await cli('contacts', 'show', '+7 999 000-00-00'), 1)).toBe(
      'broadcaster contacts: no contact with phone +79990000000',
    );
    expect(failure(await cli('contacts', 'show'), 2)).toBe(
      'broadcaster contacts: contacts show: missing PHONE|ID',
    );
  });
});

describe('broadcaster contacts export', () => {
  it('writes a CSV in the import format that imports back to the same contacts', async () => {
    const out = join(bed.dir, 'export.csv');
    const result = await cli('contacts', 'export', '--list', 'vip', '--out', out, '--json');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ out, contacts: 3 });
    const exported = await readFile(out, 'utf8');
    expect(exported.split('\r\n')[0]).toBe('phone,name,timezone,opted_in,opt_in_source,city,tier');
    expect(exported).toContain(
      '+79010000001,"Anna, Jr",Europe/Moscow,2026-01-10T09:00:00.000Z,shop,Kazan,gold',
    );

    // Into a database of its own, and out again: the same file.
    const other = await createTestDatabase();
    try {
      const otherEnv = { DATABASE_URL: other.url };
      const imported = await runCli(['contacts', 'import', out, '--list', 'vip'], otherEnv);
      expect(imported.code, imported.stderr).toBe(0);
      const again = await runCli(['contacts', 'export', '--list', 'vip'], otherEnv);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toBe(exported);
    } finally {
      await other.drop();
    }
  });

  it('stops quietly, exit 0, when its reader closes the pipe early (| head)', async () => {
    await bed.db.sql`
      insert into contacts (phone) select (79030000000 + i)::text from generate_series(1, 20000) i`;
    const child = spawn(process.execPath, [CLI, 'contacts', 'export'], {
      env: { PATH: process.env.PATH, NODE_ENV: 'test', ...bed.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    await once(child.stdout, 'data');
    child.stdout.destroy();
    const [code] = await once(child, 'close');

    expect(stderr).toBe('');
    expect(code).toBe(0);
    await bed.db.sql`delete from contacts where phone like '7903%'`;
  });

  it('writes to stdout without --out, and refuses --json there (the CSV is the output)', async () => {
    const result = await cli('contacts', 'export');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\r\n')).toHaveLength(4);
    expect(failure(await cli('contacts', 'export', '--json'), 2)).toMatch(/--json needs --out FILE/);
  });
});

describe('broadcaster contacts opt-out', () => {
  it('withdraws consent as STOP does: a pending delivery is skipped at once', async () => {
    const id = await contactId('79010000001');
    const home = await seedRunningCampaign(bed.db.sql);
    const pending = await seedDelivery(bed.db.sql, home, { contactId: id, state: 'queued' });

    const result = await cli('contacts', 'opt-out', '79010000001', '--reason', 'asked by phone', '--json');

    expect(result.code, result.stderr).toBe(0);
    const answer = JSON.parse(result.stdout);
    expect(answer.deliveriesSkipped).toBe(1);
    expect(answer.contact).toMatchObject({ id, consent: 'opted_out', optOutReason: 'asked by phone' });
    expect(await deliveryRow(bed.db.sql, pending)).toEqual({ state: 'skipped', reason: 'opted_out' });

    const shown = await cli('contacts', 'show', String(id));
    expect(shown.stdout).toMatch(
      /Consent:\s+given 2026-01-10T09:00:00.000Z \(source: shop\); withdrawn \S+ \(asked by phone\)/,
    );
    const exported = await cli('contacts', 'export');
    expect(exported.stdout).toMatch(/^\+79010000001,"Anna, Jr",Europe\/Moscow,false,,Kazan,gold\r$/m);
  });

  it('says so when the contact does not exist', async () => {
    expect(failure(await cli('contacts', 'opt-out', '+7 999 000-00-00'), 1)).toBe(
      'broadcaster contacts: no contact with phone +79990000000',
    );
  });
});

describe('broadcaster contacts delete', () => {
  it('deletes a contact no campaign reached, and refuses one with messages', async () => {
    const id = await contactId('79010000002');
    const result = await cli('contacts', 'delete', String(id), '--json');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ deleted: { id, phone: '79010000002' } });
    expect(await bed.db.sql`select 1 from contacts where id = ${id}`).toHaveLength(0);

    // Anna has a (skipped) delivery: she is part of a report.
    expect(failure(await cli('contacts', 'delete', '79010000001'), 1)).toMatch(/opt it out|deliver/i);
  });
});
