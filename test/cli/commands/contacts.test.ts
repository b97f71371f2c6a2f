import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProgress, formatBytes, progressLine } from '../../../src/cli/progress.js';
import { failureLine as failure } from '../../support/cli.js';
import { cliTestBed } from '../../support/cliTestBed.js';

const bed = cliTestBed('contacts-cli');
const { cli } = bed;

async function csvFile(name: string, content: string | Buffer): Promise<string> {
  const path = join(bed.dir, name);
  await writeFile(path, content);
  return path;
}

function regexpText(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function contact(phone: string) {
  const [row] = await bed.db.sql<
    {
      name: string | null;
      timezone: string | null;
      attributes: Record<string, unknown>;
      opted_in_at: Date | null;
    }[]
  >`select name, timezone, attributes, opted_in_at from contacts where phone = ${phone}`;
  return row;
}

describe('broadcaster contacts import', () => {
  it('imports a CSV, normalising phones and keeping extra columns as attributes, and prints the counts', async () => {
    const file = await csvFile(
      'good.csv',
      'phone,name,timezone,opted_in,city\n' +
        '+7 (901) 000-00-01,Anna,Europe/Moscow,true,Kazan\n' +
        '79010000002,Boris,,2026-01-10T12:00:00+03:00,Omsk\n' +
        '79010000003,Vera,,,\n',
    );
    const result = await cli('contacts', 'import', file);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(`^${regexpText(file)}: 3 rows; 3 inserted, 0 updated, 0 rejected\\. \\(import \\d+\\)\\n$`),
    );
    expect(await contact('79010000001')).toMatchObject({
      name: 'Anna',
      timezone: 'Europe/Moscow',
      attributes: { city: 'Kazan' },
    });
    expect((await contact('79010000002'))?.opted_in_at?.toISOString()).toBe('2026-01-10T09:00:00.000Z');
    expect((await contact('79010000003'))?.opted_in_at).toBeNull();
  });

  it('reads a file with Russian headers (Телефон, Имя, Часовой пояс, Согласие)', async () => {
    const file = await csvFile(
      'russian.csv',
      'Телефон,Имя,Часовой пояс,Согласие\n+7 (901) 000-00-41,Дарья,Asia/Omsk,да\n',
    );
    const result = await cli('contacts', 'import', file);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('1 row; 1 inserted, 0 updated, 0 rejected.');
    const stored = await contact('79010000041');
    expect(stored).toMatchObject({ name: 'Дарья', timezone: 'Asia/Omsk', attributes: {} });
    expect(stored?.opted_in_at).not.toBeNull();
  });

  it('withdraws a recorded consent on opted_in=false and says how many, in text and in --json', async () => {
    await cli(
      'contacts',
      'import',
      await csvFile('consent-yes.csv', 'phone,opted_in\n79010000061,true\n79010000062,true\n'),
    );
    const file = await csvFile('consent-no.csv', 'phone,opted_in\n79010000061,нет\n79010000062,\n');

    const result = await cli('contacts', 'import', file);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      'Consent withdrawn: 1 contact (opted_in said no): their broadcasts not yet sent are skipped.',
    );
    expect((await contact('79010000061'))?.opted_in_at).toBeNull();
    expect((await contact('79010000062'))?.opted_in_at).not.toBeNull();
    const again = JSON.parse((await cli('contacts', 'import', file, '--json')).stdout);
    expect(again.consentWithdrawn).toBe(0);
  });

  it('adds the contacts to a list with --list, and counts known phones as updated', async () => {
    const file = await csvFile('vip.csv', 'phone,name\n79010000001,Anna K.\n79010000004,Gleb\n');
    const result = await cli('contacts', 'import', file, '--list', 'vip');

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('2 rows; 1 inserted, 1 updated, 0 rejected.');
    const members = await bed.db.sql<{ phone: string }[]>`
      select c.phone from list_members m join lists l on l.id = m.list_id join contacts c on c.id = m.contact_id
      where l.name = 'vip' order by c.phone`;
    expect(members.map((m) => m.phone)).toEqual(['79010000001', '79010000004']);
    expect((await contact('79010000001'))?.name).toBe('Anna K.');
  });

  it('rejects bad rows with their line numbers and columns, keeps rows with a bad optional cell, and exits 0', async () => {
    const file = await csvFile(
      'mixed.csv',
      'phone,name,timezone\n' +
        '79010000010,Good One,\n' +
        'not a phone,Bad Phone,\n' +
        '79010000011,Bad Zone,Mars/Olympus\n' +
        '79010000012,"Broken "quote,\n' +
        '79010000013,Good Two,Asia/Tokyo\n' +
        '79010000014,Also Bad Zone,Venus/Maxwell\n',
    );
    const result = await cli('contacts', 'import', file);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('6 rows; 4 inserted, 0 updated, 2 rejected.');
    expect(result.stdout).toContain('Imported with warnings: 2 rows');
    expect(result.stdout).toMatch(/timezone: not a time zone.*the cell was left out — 2 \(lines 4, 7\)/);
    const table = result.stdout.split('Rejected rows:\n')[1]!.trim().split('\n');
    expect(table[0]).toMatch(/^LINE\s+COLUMN\s+VALUE\s+REASON$/);
    expect(table[1]).toMatch(/^\s*3\s+phone\s+not a phone\s+\S/);
    expect(table[2]).toMatch(/^\s*5\s/);
    expect(result.stdout).toContain('Every rejected row, to fix and import again: add --rejects FILE.csv.');
    expect(await contact('79010000010')).toBeDefined();
    expect(await contact('79010000013')).toMatchObject({ timezone: 'Asia/Tokyo' });
    expect(await contact('79010000011')).toMatchObject({ name: 'Bad Zone', timezone: null });
  });

  it('writes every rejected row to --rejects, with its line and reason, and that file fixed imports as it is', async () => {
    const file = await csvFile(
      'to-fix.csv',
      'phone;name;city\r\n' +
        '79010000050;Fine;Omsk\r\n' +
        '7901000005;One digit short;Tver\r\n' +
        '+7 901 000-00-52;"Ivanov, Ivan";Kazan\r\n' +
        '12;Short;"Nizhny; Novgorod"\r\n',
    );
    const rejects = join(bed.dir, 'rejects.csv');
    const result = await cli('contacts', 'import', file, '--rejects', rejects);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`2 rejected rows written to ${rejects}, each with its line and reason`);
    const written = await readFile(rejects, 'utf8');
    const lines = written.trimEnd().split('\r\n');
    expect(lines[0]).toBe('rejected_line,rejected_reason,phone,name,city');
    const reason = '("phone: not a phone number: [^"]*"|phone: not a phone number: [^,]*)';
    expect(lines[1]).toMatch(new RegExp(`^3,${reason},7901000005,One digit short,Tver$`));
    expect(lines[2]).toMatch(new RegExp(`^5,${reason},12,Short,Nizhny; Novgorod$`));
    expect(lines).toHaveLength(3);

    // The user fixes the phones in the rejects file and imports it as it is.
    await writeFile(
      rejects,
      written.replace(',7901000005,', ',79010000051,').replace(',12,', ',+7 901 000 00 53,'),
    );
    const again = await cli('contacts', 'import', rejects, '--json');
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ rows: 2, inserted: 2, rejected: 0, warned: 0 });
    expect(await contact('79010000051')).toMatchObject({
      name: 'One digit short',
      attributes: { city: 'Tver' },
    });
    expect(await contact('79010000053')).toMatchObject({
      name: 'Short',
      attributes: { city: 'Nizhny; Novgorod' },
    });
  });

  it('reports a phone repeated in the file with both lines and the rule applied', async () => {
    const file = await csvFile(
      'repeats.csv',
      'phone,name\n9010000060,First\n+7 901 000-00-60,Second\n8 901 000 00 60,Third\n',
    );
    const result = await cli('contacts', 'import', file);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('3 rows; 1 inserted, 2 updated, 0 rejected.');
    expect(result.stdout).toContain('Repeated in the file: 2 rows (rows apply in file order');
    expect(result.stdout).toContain('line 3 repeats line 2 (79010000060)');
    expect(result.stdout).toContain('line 4 repeats line 3 (79010000060)');
    expect((await contact('79010000060'))?.name).toBe('Third');
  });

  it('prints the import report as JSON with --json, and no progress', async () => {
    const file = await csvFile('json.csv', 'phone\n79010000020\n12\n');
    const result = await cli('contacts', 'import', file, '--json');

    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({
      importId: expect.any(Number),
      rows: 2,
      inserted: 1,
      updated: 0,
      rejected: 1,
      errorsTruncated: false,
    });
    expect(report.errors).toEqual([expect.objectContaining({ line: 3, column: 'phone', value: '12' })]);
  });

  it('fails when no row could be imported, after printing why row by row', async () => {
    const file = await csvFile('all-bad.csv', 'phone,name\nabc,First\n,Second\n');
    const result = await cli('contacts', 'import', file);

    const line = failure(result, 1);
    expect(line).toMatch(
      /^broadcaster contacts: nothing imported from .*all-bad\.csv: 2 rows rejected; line 2: phone: /,
    );
    expect(result.stdout).toContain('2 rows; 0 inserted, 0 updated, 2 rejected.');
  });

  it('fails in one line when the file has no phone column, importing nothing', async () => {
    const before = await bed.db.sql<{ n: number }[]>`select count(*)::int as n from contacts`;
    const file = await csvFile('no-phone.csv', 'name,mobile\nAnna,79010000030\n');
    const line = failure(await cli('contacts', 'import', file), 1);

    expect(line).toMatch(/^broadcaster contacts: .*phone/);
    const after = await bed.db.sql<{ n: number }[]>`select count(*)::int as n from contacts`;
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('fails in one line on a file that is not UTF-8 text', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('phone\n79010000040\n', 'utf16le')]);
    const line = failure(await cli('contacts', 'import', await csvFile('utf16.csv', utf16)), 1);
    expect(line).toContain('UTF-8');
  });

  it('fails in one line when the file cannot be read', async () => {
    const missing = join(bed.dir, 'absent.csv');
    expect(failure(await cli('contacts', 'import', missing), 1)).toBe(
      `broadcaster contacts: cannot read ${missing}: no such file`,
    );
    expect(failure(await cli('contacts', 'import', bed.dir), 1)).toContain('it is a directory');
  });

  it('refuses wrong arguments with exit code 2, naming them', async () => {
    expect(failure(await cli('contacts'), 2)).toContain(
      'contacts needs a subcommand: import, list, show, export, opt-out, delete, normalize',
    );
    expect(failure(await cli('contacts', 'merge'), 2)).toContain('unknown subcommand "merge"');
    expect(failure(await cli('contacts', 'import'), 2)).toContain('contacts import: missing FILE.csv');
    expect(failure(await cli('contacts', 'import', 'a.csv', 'b.csv'), 2)).toContain(
      'unexpected argument "b.csv"',
    );
    expect(failure(await cli('contacts', 'import', 'a.csv', '--list', ' '), 2)).toContain(
      '--list needs a list name',
    );
    expect(failure(await cli('contacts', 'import', 'a.csv', '--lists', 'x'), 2)).toContain("'--lists'");
  });

  it('explains the CSV format and the exit codes with --help', async () => {
    const result = await cli('contacts', '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'Usage: broadcaster contacts import FILE.csv [--list NAME] [--rejects FILE.csv] [--json]',
    );
    expect(result.stdout).toContain('broadcaster contacts normalize [--dry-run] [--json]');
    expect(result.stdout).toContain('opted_in');
    expect(result.stdout).toContain('1 when nothing could be');
  });
});

describe('broadcaster contacts normalize', () => {
  it('fixes phones stored without their country code, reports what it cannot fix, and changes nothing on --dry-run', async () => {
    await bed.db.sql`truncate contacts cascade`;
    await bed.db.sql`
      insert into contacts (phone, name, chat2desk_client_id, chat2desk_transports) values
        ('9161234567', 'Stored national', 42, '{whatsapp}'),
        ('79261234567', 'Already right', null, '{}'),
        ('9031112233', 'Taken', null, '{}'),
        ('79031112233', 'Owner', null, '{}'),
        ('4951234567', 'Moscow or Germany', null, '{}'),
        ('70000000000', 'Impossible', null, '{}')`;
    const ids = Object.fromEntries(
      (await bed.db.sql<{ id: number; name: string }[]>`select id, name from contacts`).map((c) => [
        c.name,
        c.id,
      ]),
    );

    const dry = await cli('contacts', 'normalize', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(
      '6 phones checked: 2 already right, 1 would be fixed, 1 conflicting, 1 ambiguous, 1 invalid. (dry run: nothing was changed)',
    );
    expect(dry.stdout).toContain(`contact ${ids['Stored national']}: 9161234567 → 79161234567`);
    expect(dry.stdout).toContain(
      `contact ${ids.Taken}: 9031112233 → 79031112233, which contact ${ids.Owner} has`,
    );
    expect(dry.stdout).toContain(
      `contact ${ids['Moscow or Germany']}: stored as +4951234567; read in RU it would be +74951234567`,
    );
    expect(await bed.db.sql`select phone from contacts where id = ${ids['Stored national']!}`).toEqual([
      { phone: '9161234567' },
    ]);

    const result = await cli('contacts', 'normalize', '--json');
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      dryRun: false,
      checked: 6,
      changed: 1,
      conflicts: 1,
      ambiguous: 1,
      invalid: 1,
      changes: [{ contactId: ids['Stored national'], from: '9161234567', to: '79161234567' }],
    });
    // The Chat2Desk client found for the old number is forgotten: it is looked up again for the new one.
    expect(
      await bed.db
        .sql`select phone, chat2desk_client_id, chat2desk_transports from contacts where id = ${ids['Stored national']!}`,
    ).toEqual([{ phone: '79161234567', chat2desk_client_id: null, chat2desk_transports: [] }]);
    const again = await cli('contacts', 'normalize');
    expect(again.stdout).toContain('3 already right, 0 fixed, 1 conflicting');
  });
});

describe('the progress display', () => {
  function stream(isTTY: boolean) {
    const writes: string[] = [];
    return { writes, isTTY, columns: 100, write: (text: string) => writes.push(text) };
  }

  it('draws a bar in place on a terminal, at most every 100 ms, and ends on a fresh line', () => {
    const out = stream(true);
    let now = 0;
    const progress = createProgress({
      stream: out,
      label: 'Importing',
      mode: 'auto',
      unit: 'bytes',
      now: () => now,
    });
    progress.update({ done: 0, total: 2048, detail: '0 rows' });
    now = 50;
    progress.update({ done: 1024, total: 2048, detail: '10 rows' });
    now = 150;
    progress.update({ done: 2048, total: 2048, detail: '20 rows' });
    progress.finish();

    expect(out.writes).toHaveLength(4);
    expect(out.writes[0]).toMatch(/^\rImporting {2}\[\.{30}\] {4}0% {2}0 B\/2\.0 KB {2}0 rows\s*$/);
    expect(out.writes[1]).toMatch(/^\rImporting {2}\[#{30}\] {2}100% {2}2\.0 KB\/2\.0 KB {2}20 rows/);
    expect(out.writes[1]!.length).toBe(1 + 99);
    expect(out.writes[3]).toBe('\n');
  });

  it('writes plain lines, no carriage returns, at most every 2 s and none for quick work, when not on a terminal', () => {
    const out = stream(false);
    let now = 0;
    const progress = createProgress({ stream: out, label: 'Campaign 7', mode: 'auto', now: () => now });
    progress.update({ done: 1, total: 4 });
    now = 2000;
    progress.update({ done: 2, total: 4 });
    now = 3000;
    progress.update({ done: 3, total: 4 });
    now = 4000;
    progress.update({ done: 3, total: 4 });
    progress.finish();

    expect(out.writes).toEqual(['Campaign 7   50%  2/4\n', 'Campaign 7   75%  3/4\n']);
  });

  it('writes nothing when off (--json)', () => {
    const out = stream(true);
    const progress = createProgress({ stream: out, label: 'x', mode: 'off' });
    progress.update({ done: 1, total: 2 });
    progress.finish();
    expect(out.writes).toEqual([]);
  });

  it('shows the rows read and how many a second since the start', () => {
    const out = stream(false);
    let now = 0;
    const progress = createProgress({
      stream: out,
      label: 'Importing',
      mode: 'auto',
      unit: 'bytes',
      itemName: 'rows',
      now: () => now,
    });
    now = 2000;
    progress.update({ done: 1024, total: 2048, items: 9_000 });
    expect(out.writes).toEqual(['Importing   50%  1.0 KB/2.0 KB  9,000 rows (4,500 rows/s)\n']);
  });

  it('shows only the count while the total is unknown, and sizes in bytes', () => {
    expect(progressLine('Campaign 3', { done: 12_345, total: null, detail: 'scheduled' })).toBe(
      'Campaign 3  12,345  scheduled',
    );
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(10 * 1024 * 1024)).toBe('10.0 MB');
  });
});
