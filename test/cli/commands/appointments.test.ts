import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { failureLine as failure } from '../../support/cli.js';
import { cliTestBed } from '../../support/cliTestBed.js';

const bed = cliTestBed('appointments-cli');
const { cli, file } = bed;

async function appointment(externalId: string) {
  const [row] = await bed.db.sql<
    { starts_at: Date; status: string; attributes: Record<string, unknown>; phone: string }[]
  >`
    select a.starts_at, a.status, a.attributes, c.phone
    from appointments a join contacts c on c.id = a.contact_id where a.external_id = ${externalId}`;
  return row;
}

describe('broadcaster appointments import', () => {
  let reminderCampaignId: number;

  beforeAll(async () => {
    // A running reminder campaign: imported appointments get their reminder deliveries at once.
    const campaign = await file(
      'reminders.json',
      JSON.stringify({
        name: 'Visit reminder',
        kind: 'reminder',
        transport: 'sms',
        template: 'See you soon',
        audience: { all: true },
        offsets: ['-24h'],
        requireOptIn: false,
      }),
    );
    const created = await cli('campaign', 'create', campaign, '--json');
    expect(created.code, created.stderr).toBe(0);
    reminderCampaignId = JSON.parse(created.stdout).id;
  });

  it('imports appointments, making contacts for unknown phones and scheduling their reminders', async () => {
    const csv = await file(
      'visits.csv',
      'external_id,phone,starts_at,status,doctor\n' +
        'A-1,+7 901 000-00-01,2099-03-01T10:00:00+03:00,booked,Dr. Ivanova\n' +
        'A-2,79010000002,2099-03-02T15:30:00+03:00,,Dr. Petrov\n',
    );
    const result = await cli('appointments', 'import', csv);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/: 2 rows; 2 inserted, 0 updated, 0 rejected\. \(import \d+\)\n$/);
    expect(result.stdout.startsWith(`${csv}: `)).toBe(true);
    expect(await appointment('A-1')).toMatchObject({
      phone: '79010000001',
      status: 'booked',
      attributes: { doctor: 'Dr. Ivanova' },
    });
    expect((await appointment('A-1'))?.starts_at.toISOString()).toBe('2099-03-01T07:00:00.000Z');
    const reminders = await bed.db.sql<{ due_at: Date }[]>`
      select due_at from deliveries where campaign_id = ${reminderCampaignId} order by due_at`;
    expect(reminders.map((r) => r.due_at.toISOString())).toEqual([
      '2099-02-28T07:00:00.000Z',
      '2099-03-01T12:30:00.000Z',
    ]);
  });

  it('updates known appointments by external_id on a re-import', async () => {
    const csv = await file(
      'moved.csv',
      'external_id,phone,starts_at\nA-1,79010000001,2099-03-05T10:00:00+03:00\n',
    );
    const result = await cli('appointments', 'import', csv, '--json');

    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      rows: 1,
      inserted: 0,
      updated: 1,
      rejected: 0,
      errors: [],
    });
    expect((await appointment('A-1'))?.starts_at.toISOString()).toBe('2099-03-05T07:00:00.000Z');
  });

  it('rejects bad rows with their line numbers, imports the good ones, and exits 0', async () => {
    const csv = await file(
      'mixed.csv',
      'external_id,phone,starts_at,status\n' +
        'B-1,79010000011,2099-04-01T10:00:00+03:00,booked\n' +
        'B-2,79010000012,2099-04-01 10:00,booked\n' +
        'B-3,79010000013,2099-04-01T10:00:00+03:00,maybe\n' +
        'B-4,12,2099-04-01T10:00:00+03:00,booked\n',
    );
    const result = await cli('appointments', 'import', csv);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('4 rows; 1 inserted, 0 updated, 3 rejected.');
    expect(result.stdout).toMatch(/^\s*3\s+starts_at\s+2099-04-01 10:00\s+\S/m);
    expect(result.stdout).toMatch(/^\s*4\s+status\s+maybe\s+\S/m);
    expect(result.stdout).toMatch(/^\s*5\s+phone\s+12\s+\S/m);
    expect(await appointment('B-1')).toBeDefined();
    expect(await appointment('B-2')).toBeUndefined();
  });

  it('fails when nothing could be imported, and on a file without a required column', async () => {
    const bad = await file('bad.csv', 'external_id,phone,starts_at\nC-1,79010000021,tomorrow\n');
    const result = await cli('appointments', 'import', bad);
    expect(failure(result, 1)).toMatch(
      /nothing imported from .*bad\.csv: 1 row rejected; line 2: starts_at: /,
    );
    expect(result.stdout).toContain('1 row; 0 inserted, 0 updated, 1 rejected.');

    const noId = await file('no-id.csv', 'phone,starts_at\n79010000022,2099-04-01T10:00:00+03:00\n');
    expect(failure(await cli('appointments', 'import', noId), 1)).toContain('external_id');
  });

  it('refuses wrong arguments with exit code 2, and explains itself with --help', async () => {
    expect(failure(await cli('appointments'), 2)).toContain('appointments needs a subcommand: import');
    expect(failure(await cli('appointments', 'import'), 2)).toContain(
      'appointments import: missing FILE.csv',
    );
    expect(failure(await cli('appointments', 'import', 'a.csv', '--list', 'x'), 2)).toContain("'--list'");
    const help = await cli('appointments', 'import', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(
      'Usage: broadcaster appointments import FILE.csv [--timezone ZONE] [--rejects FILE.csv] [--json]',
    );
    expect(help.stdout).toContain('--timezone ZONE');
    expect(help.stdout).toContain('broadcaster appointments import visits.csv --timezone Europe/Moscow');
    expect(failure(await cli('appointments', 'import', 'a.csv', '--timezone', 'Mars/Olympus'), 2)).toContain(
      '--timezone: ',
    );
  });

  it('rejects a repeated external_id, naming the earlier line, into the rejects file, keeping the first row', async () => {
    const csv = await file(
      'repeated.csv',
      'external_id,phone,starts_at\n' +
        'R-1,79010000031,2099-05-01T10:00:00+03:00\n' +
        'A-17,79010000032,2099-05-01T11:00:00+03:00\n' +
        'R-3,79010000033,2099-05-01T12:00:00+03:00\n' +
        'A-17,79010000032,2099-05-09T11:00:00+03:00\n',
    );
    const rejects = join(bed.dir, 'repeated-rejects.csv');
    const result = await cli('appointments', 'import', csv, '--rejects', rejects, '--json');

    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      rows: 4,
      inserted: 3,
      rejected: 1,
      errors: [
        {
          line: 5,
          column: 'external_id',
          value: 'A-17',
          reason: 'external_id A-17 repeats line 3 of this file',
        },
      ],
    });
    expect((await appointment('A-17'))?.starts_at.toISOString()).toBe('2099-05-01T08:00:00.000Z');
    const rejected = await readFile(rejects, 'utf8');
    expect(rejected).toContain('A-17,79010000032,2099-05-09T11:00:00+03:00');
    expect(rejected).toContain('external_id A-17 repeats line 3 of this file');
  });

  it('reads times without an offset in --timezone, and rejects them without one, saying to add an offset or a zone', async () => {
    const csv = await file(
      'local.csv',
      'external_id,phone,starts_at\nL-1,79010000041,2099-06-05T15:30:00\nL-2,79010000042,05.06.2099 16:30\n',
    );

    const refused = await cli('appointments', 'import', csv);
    expect(failure(refused, 1)).toMatch(
      /line 2: starts_at: 2099-06-05T15:30:00 has no UTC offset .*--timezone/,
    );

    const result = await cli('appointments', 'import', csv, '--timezone', 'MSK');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('2 rows; 2 inserted, 0 updated, 0 rejected.');
    expect((await appointment('L-1'))?.starts_at.toISOString()).toBe('2099-06-05T12:30:00.000Z');
    expect((await appointment('L-2'))?.starts_at.toISOString()).toBe('2099-06-05T13:30:00.000Z');
  });
});
