import { beforeAll, describe, expect, it } from 'vitest';
import { boundary } from '../../../src/cli/commands/appointmentViews.js';
import { failureLine as failure } from '../../support/cli.js';
import { cliTestBed } from '../../support/cliTestBed.js';

const bed = cliTestBed('appointment-views');
const { cli, file } = bed;

beforeAll(async () => {
  // A running reminder campaign: imported appointments get their reminders at once.
  const campaign = await file(
    'reminders.json',
    JSON.stringify({
      name: 'Visit reminder',
      kind: 'reminder',
      transport: 'sms',
      template: 'See you soon',
      audience: { all: true },
      offsets: ['-24h', '-2h'],
      requireOptIn: false,
    }),
  );
  const created = await cli('campaign', 'create', campaign, '--json');
  expect(created.code, created.stderr).toBe(0);
  const imported = await cli(
    'appointments',
    'import',
    await file(
      'visits.csv',
      'external_id,phone,starts_at,status\n' +
        'visit-1,79010000001,2030-12-05T15:30:00+03:00,booked\n' +
        'visit-2,79010000002,2030-12-06T10:00:00+03:00,booked\n' +
        'visit-3,79010000003,2030-12-07T10:00:00+03:00,cancelled\n',
    ),
  );
  expect(imported.code, imported.stderr).toBe(0);
});

describe('broadcaster appointments list', () => {
  it('lists appointments in start order with their reminders counted by state', async () => {
    const result = await cli('appointments', 'list');

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/EXTERNAL ID\s+PHONE\s+STARTS AT\s+STATUS\s+REMINDERS/);
    expect(result.stdout).toMatch(/visit-1\s+\+79010000001\s+2030-12-05T12:30:00.000Z\s+booked\s+queued 2/);
    expect(result.stdout).toMatch(/visit-3 .*cancelled\s+none/);
    expect(result.stdout).toContain('1–3 of 3 appointments');
  });

  it('filters by a day (--to includes it) and by status, with --json', async () => {
    const result = await cli('appointments', 'list', '--from', '2030-12-06', '--to', '06.12.2030', '--json');
    expect(result.code, result.stderr).toBe(0);
    const page = JSON.parse(result.stdout);
    expect(page.items.map((a: { externalId: string }) => a.externalId)).toEqual(['visit-2']);
    expect(page.items[0].reminders).toEqual({ queued: 2 });

    const cancelled = JSON.parse(
      (await cli('appointments', 'list', '--status', 'cancelled', '--json')).stdout,
    );
    expect(cancelled.items.map((a: { externalId: string }) => a.externalId)).toEqual(['visit-3']);
  });

  it('refuses a date it cannot read and a status that does not exist', async () => {
    expect(failure(await cli('appointments', 'list', '--from', '05/12/2030'), 2)).toMatch(
      /^broadcaster appointments: --from: "05\/12\/2030" is read as day\/month/,
    );
    expect(failure(await cli('appointments', 'list', '--status', 'done'), 2)).toMatch(
      /^broadcaster appointments: --status must be one of booked/,
    );
  });
});

describe('broadcaster appointments show', () => {
  it("shows an appointment by its external id with each reminder's campaign, offset, due time and state", async () => {
    const result = await cli('appointments', 'show', 'visit-1');

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/External id:\s+visit-1/);
    expect(result.stdout).toMatch(/Visit reminder\s+-24h\s+2030-12-04T12:30:00.000Z\s+queued/);
    expect(result.stdout).toMatch(/Visit reminder\s+-2h\s+2030-12-05T10:30:00.000Z\s+queued/);
  });

  it('finds it by our id too, and gives the reminders with --json', async () => {
    const [row] = await bed.db.sql<
      { id: number }[]
    >`select id from appointments where external_id = 'visit-2'`;
    const result = await cli('appointments', 'show', String(row!.id), '--json');

    expect(result.code, result.stderr).toBe(0);
    const shown = JSON.parse(result.stdout);
    expect(shown.appointment).toMatchObject({ externalId: 'visit-2', status: 'booked' });
    expect(
      shown.reminders.map((r: { offsetSeconds: number; state: string }) => [r.offsetSeconds, r.state]),
    ).toEqual([
      [-86400, 'queued'],
      [-7200, 'queued'],
    ]);
  });

  it('says which appointment does not exist', async () => {
    expect(failure(await cli('appointments', 'show', 'visit-404'), 1)).toBe(
      'broadcaster appointments: no appointment with external_id or id "visit-404"',
    );
  });
});

describe('boundary', () => {
  it('reads a date or a time without an offset in the zone, and a --to date to the end of its day', () => {
    expect(boundary('from', '2030-12-05', 'Europe/Moscow', 'start').toISOString()).toBe(
      '2030-12-04T21:00:00.000Z',
    );
    expect(boundary('to', '2030-12-31', 'UTC', 'end').toISOString()).toBe('2031-01-01T00:00:00.000Z');
    expect(boundary('to', '2030-12-05T10:00', 'UTC', 'end').toISOString()).toBe('2030-12-05T10:00:00.000Z');
    expect(boundary('from', '2030-12-05T10:00:00+03:00', 'UTC', 'start').toISOString()).toBe(
      '2030-12-05T07:00:00.000Z',
    );
  });
});
