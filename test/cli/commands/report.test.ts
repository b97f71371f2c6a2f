import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, failureLine as failure, runCli } from '../../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

let db: TestDatabase;
let env: Record<string, string>;
let campaignId: number;
let firstRun: number;
let secondRun: number;

const AT = new Date('2026-11-20T10:00:00.000Z');

/** Deliveries of one run: [phone, state, reason]. */
async function seedRun(runScheduledFor: Date, rows: Array<[string, string, string | null]>): Promise<number> {
  const [run] = await db.sql<{ id: number }[]>`
    insert into campaign_runs (campaign_id, scheduled_for, status, expanded_at)
    values (${campaignId}, ${runScheduledFor}, 'running', ${runScheduledFor}) returning id`;
  for (const [phone, state, reason] of rows) {
    const [contact] = await db.sql<{ id: number }[]>`
      insert into contacts (phone, name) values (${phone}, ${`Client ${phone.slice(-2)}`})
      on conflict (phone) do update set name = excluded.name returning id`;
    const sentAt = ['sent', 'delivered', 'read'].includes(state)
      ? new Date(runScheduledFor.getTime() + 5000)
      : null;
    await db.sql`
      insert into deliveries (run_id, campaign_id, contact_id, state, reason, due_at, next_attempt_at, transport,
        channel_id, sent_at, failed_at, skipped_at)
      values (${run!.id}, ${campaignId}, ${contact!.id}, ${state}::delivery_state, ${reason}, ${runScheduledFor},
        ${runScheduledFor}, 'whatsapp', 1, ${sentAt},
        ${state === 'failed' ? runScheduledFor : null}, ${state === 'skipped' ? runScheduledFor : null})`;
  }
  return run!.id;
}

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url };
  const [campaign] = await db.sql<{ id: number }[]>`
    insert into campaigns (name, kind, status, transport, channel_id, definition, template_source, schedule_cron, timezone)
    values ('Weekly', 'broadcast', 'running', 'whatsapp', 1, '{}', 'Hi', '0 10 * * MON', 'UTC') returning id`;
  campaignId = campaign!.id;
  firstRun = await seedRun(AT, [
    ['79000000001', 'sent', null],
    ['79000000002', 'sent', null],
    ['79000000003', 'skipped', 'opted_out'],
    ['79000000004', 'failed', 'chat2desk:client is blocked'],
  ]);
  secondRun = await seedRun(new Date(AT.getTime() + 7 * 86_400_000), [
    ['79000000001', 'sent', null],
    ['79000000005', 'skipped', 'missing_variable:discount'],
    ['79000000006', 'queued', null],
  ]);
});

afterAll(async () => {
  await db?.drop();
});

function cli(...args: string[]): Promise<CliResult> {
  return runCli(args, env);
}

describe('broadcaster report', () => {
  it('prints the report for people: status, counts per state and per reason', async () => {
    const result = await cli('report', String(campaignId));

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Campaign ${campaignId} "Weekly" (whatsapp): running`);
    expect(result.stdout).toContain('7 recipients');
    expect(result.stdout).toMatch(/sent\s+3/);
    expect(result.stdout).toMatch(/opted_out\s+1/);
    expect(result.stdout).toMatch(/missing_variable\s+1/);
    // Failures and skips apart: chat2desk is listed under failed, opted_out under skipped.
    expect(result.stdout).toMatch(/ {2}failed reasons:\n {4}chat2desk +1/);
    expect(result.stdout).toMatch(
      / {2}skipped reasons:\n( {4}\w+ +\d+.*\n){0,1} {4}(opted_out|missing_variable) +1/,
    );
  });

  it('prints at least campaignId, status, counts (every state) and reasons with --format json', async () => {
    const result = await cli('report', String(campaignId), '--format', 'json');

    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({
      campaignId,
      status: 'running',
      counts: { queued: 1, waiting: 0, sending: 0, sent: 3, delivered: 0, read: 0, failed: 1, skipped: 2 },
      reasons: { opted_out: 1, missing_variable: 1, chat2desk: 1 },
    });
    expect(JSON.parse((await cli('report', String(campaignId), '--json')).stdout)).toEqual(report);
    expect(report.reasonsByState).toEqual({
      failed: { chat2desk: 1 },
      skipped: { opted_out: 1, missing_variable: 1 },
    });
  });

  it('limits the report to one run with --run', async () => {
    const result = await cli('report', String(campaignId), '--run', String(firstRun), '--json');

    const report = JSON.parse(result.stdout);
    expect(report.runId).toBe(firstRun);
    expect(report.counts).toMatchObject({ queued: 0, sent: 2, failed: 1, skipped: 1 });
    expect(report.reasons).toEqual({ opted_out: 1, chat2desk: 1 });
  });

  it('writes one CSV line per recipient with --format csv, for the campaign or one run', async () => {
    const all = await cli('report', String(campaignId), '--format', 'csv');
    expect(all.code).toBe(0);
    const lines = all.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^phone,name,state,reason/);
    expect(lines).toHaveLength(1 + 7);
    expect(lines.filter((l) => l.startsWith('79000000001,'))).toHaveLength(2);
    expect(all.stdout).toContain('79000000004,Client 04,failed,chat2desk:client is blocked');

    const run = await cli('report', String(campaignId), '--format', 'csv', '--run', String(secondRun));
    const runLines = run.stdout.trim().split('\n');
    expect(runLines).toHaveLength(1 + 3);
    expect(
      runLines
        .slice(1)
        .map((l) => l.split(',')[0])
        .sort(),
    ).toEqual(['79000000001', '79000000005', '79000000006']);
  });

  it('writes the CSV for Excel with --excel: a UTF-8 BOM, then ";" between cells', async () => {
    const result = await cli('report', String(campaignId), '--excel');
    expect(result.code).toBe(0);
    expect(result.stdout.startsWith('\uFEFFphone;name;state;reason;')).toBe(true);
    expect(result.stdout).toContain('79000000004;Client 04;failed;chat2desk:client is blocked');
    expect((await cli('report', String(campaignId), '--excel', '--format', 'csv')).stdout).toBe(
      result.stdout,
    );
    expect(failure(await cli('report', '1', '--excel', '--format', 'json'), 2)).toContain(
      '--excel writes CSV; it cannot go with --format json',
    );
  });

  it('says that a campaign or a run does not exist, with exit code 1 and nothing on stdout', async () => {
    for (const format of ['table', 'json', 'csv']) {
      const result = await cli('report', '4242', '--format', format);
      expect(failure(result, 1)).toBe('broadcaster report: campaign 4242 does not exist');
      expect(result.stdout).toBe('');
    }
    const otherRun = await cli('report', String(campaignId), '--run', '999999', '--format', 'csv');
    expect(failure(otherRun, 1)).toBe(`broadcaster report: campaign ${campaignId} has no run 999999`);
    expect(otherRun.stdout).toBe('');
  });

  it('refuses bad arguments with exit code 2, naming them', async () => {
    expect(failure(await cli('report'), 2)).toContain('report: missing ID');
    expect(failure(await cli('report', 'seven'), 2)).toContain(
      'ID must be a positive whole number, got "seven"',
    );
    expect(failure(await cli('report', '1', '--format', 'xml'), 2)).toContain(
      '--format must be one of table, csv, json',
    );
    expect(failure(await cli('report', '1', '--run', 'last'), 2)).toContain(
      '--run must be a positive whole number',
    );
    expect(failure(await cli('report', '1', '--json', '--format', 'csv'), 2)).toContain(
      '--json and --format csv disagree',
    );
  });

  it('explains itself with --help', async () => {
    const result = await cli('report', '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'Usage: broadcaster report ID [--format table|csv|json] [--excel] [--run RUN_ID]',
    );
    expect(result.stdout).toContain('broadcaster report 12 --excel > recipients.csv');
  });
});
