import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelCampaign, pauseCampaign, resumeCampaign } from '../../../src/campaigns/lifecycle.js';
import {
  type CliResult,
  failureLine as failure,
  type RunningCli,
  runCli,
  startCli,
} from '../../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { seedContacts } from '../../support/engineHarness.js';
import { freePort } from '../../support/freePort.js';

let db: TestDatabase;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  env = { DATABASE_URL: db.url };
  dir = await mkdtemp(join(tmpdir(), 'broadcaster-campaign-cli-'));
  // Contacts 79000000001…79000000020 in "vip", opted in, with firstName and discount attributes.
  await seedContacts(db.sql, { count: 20, list: 'vip' });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await db?.drop();
});

const FUTURE = '2099-11-27T10:00:00+03:00';

function broadcast(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Black Friday',
    kind: 'broadcast',
    transport: 'whatsapp',
    channelId: 1,
    template: 'Hi {{firstName}}, {{discount}}% off',
    audience: { list: 'vip' },
    schedule: { at: FUTURE },
    ...overrides,
  };
}

async function campaignFile(name: string, content: string | object): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

function cli(...args: string[]): Promise<CliResult> {
  return runCli(args, env);
}

async function createFromJson(overrides: Record<string, unknown> = {}): Promise<number> {
  const file = await campaignFile(`c-${Math.random().toString(36).slice(2)}.json`, broadcast(overrides));
  const result = await cli('campaign', 'create', file, '--json');
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout).id as number;
}

/** Resolves when the command ends by itself. */
async function exited(running: RunningCli): Promise<CliResult> {
  if (running.child.exitCode === null && running.child.signalCode === null) await once(running.child, 'exit');
  return running.stop();
}

async function statusOf(id: number): Promise<string> {
  const [row] = await db.sql<{ status: string }[]>`select status from campaigns where id = ${id}`;
  return row!.status;
}

describe('broadcaster campaign create', () => {
  it('stores a JSON campaign, scheduled at once, and says so', async () => {
    const file = await campaignFile('black-friday.json', broadcast());
    const result = await cli('campaign', 'create', file);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const id = Number(
      /Created campaign (\d+) "Black Friday" \(broadcast on whatsapp\): scheduled/.exec(result.stdout)?.[1],
    );
    expect(await statusOf(id)).toBe('scheduled');
    expect(result.stdout).toContain('first run at 2099-11-27T07:00:00.000Z');
  });

  it('prints the created campaign with its id as JSON with --json', async () => {
    const file = await campaignFile('json-output.json', broadcast({ name: 'For scripts' }));
    const result = await cli('campaign', 'create', file, '--json');

    expect(result.code).toBe(0);
    const created = JSON.parse(result.stdout);
    expect(created).toMatchObject({
      name: 'For scripts',
      kind: 'broadcast',
      status: 'scheduled',
      transport: 'whatsapp',
    });
    expect(created.nextRunAt).toBe('2099-11-27T07:00:00.000Z');
    const [row] = await db.sql<{ name: string }[]>`select name from campaigns where id = ${created.id}`;
    expect(row?.name).toBe('For scripts');
  });

  it('reads a YAML campaign, by the file extension', async () => {
    const file = await campaignFile(
      'weekly.yaml',
      [
        'name: Weekly digest',
        'kind: broadcast',
        'transport: viber',
        'template: "Hello {{firstName}}"',
        'audience:',
        '  list: vip',
        'schedule:',
        '  cron: "0 10 * * MON"',
        '  timezone: Europe/Moscow',
        '',
      ].join('\n'),
    );
    const result = await cli('campaign', 'create', file, '--json');

    expect(result.code, result.stderr).toBe(0);
    const created = JSON.parse(result.stdout);
    expect(created).toMatchObject({ name: 'Weekly digest', transport: 'viber', status: 'scheduled' });
    const [row] = await db.sql<
      { schedule_cron: string }[]
    >`select schedule_cron from campaigns where id = ${created.id}`;
    expect(row?.schedule_cron).toBe('0 10 * * MON');
  });

  it('refuses JSON with a syntax error, naming its line, in one line on stderr', async () => {
    const file = await campaignFile(
      'broken.json',
      '{\n  "name": "Broken",\n  "kind": "broadcast"\n  "transport": "sms"\n}\n',
    );
    const line = failure(await cli('campaign', 'create', file), 1);
    expect(line).toMatch(/^broadcaster campaign: invalid campaign: .*invalid JSON/);
    expect(line).toContain('line 4');
  });

  it('lists every problem of an invalid campaign with its field and line, and stores nothing', async () => {
    const before = await db.sql<{ n: number }[]>`select count(*)::int as n from campaigns`;
    const file = await campaignFile(
      'invalid.yaml',
      [
        'name: Bad',
        'kind: broadcast',
        'transport: pigeon',
        'template: "Hi"',
        'audience:',
        '  list: nobody',
        'schedule:',
        `  at: "${FUTURE}"`,
      ].join('\n'),
    );
    const line = failure(await cli('campaign', 'create', file), 1);

    expect(line).toMatch(/transport: .*\(line 3/);
    const after = await db.sql<{ n: number }[]>`select count(*)::int as n from campaigns`;
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('refuses a list that does not exist, naming the field', async () => {
    const file = await campaignFile('no-list.json', broadcast({ audience: { list: 'nobody' } }));
    expect(failure(await cli('campaign', 'create', file), 1)).toContain(
      'audience.list: no contact list named "nobody"',
    );
  });

  it('refuses a file that is neither .json nor .yaml with exit code 2, and a missing file with 1', async () => {
    const text = await campaignFile('campaign.txt', broadcast());
    expect(failure(await cli('campaign', 'create', text), 2)).toContain(
      'FILE must end in .json, .yaml or .yml',
    );
    expect(failure(await cli('campaign', 'create', join(dir, 'absent.json')), 1)).toContain(
      'absent.json: no such file',
    );
  });

  it('refuses to wait for a draft, before storing it', async () => {
    const file = await campaignFile('draft-wait.json', broadcast({ name: 'Draft to wait', draft: true }));
    expect(failure(await cli('campaign', 'create', file, '--wait'), 2)).toContain(
      '--wait cannot wait for a draft',
    );
    const rows = await db.sql`select 1 from campaigns where name = 'Draft to wait'`;
    expect(rows).toHaveLength(0);
  });
});

describe('broadcaster campaign (arguments)', () => {
  it('needs a known subcommand (exit code 2)', async () => {
    expect(failure(await cli('campaign'), 2)).toContain('campaign needs a subcommand: create, list');
    expect(failure(await cli('campaign', 'launch', '1'), 2)).toContain('unknown subcommand "launch"');
  });

  it('names a missing, extra or malformed ID (exit code 2)', async () => {
    expect(failure(await cli('campaign', 'show'), 2)).toContain('campaign show: missing ID');
    expect(failure(await cli('campaign', 'show', '1', '2'), 2)).toContain('unexpected argument "2"');
    expect(failure(await cli('campaign', 'pause', 'abc'), 2)).toContain(
      'ID must be a positive whole number, got "abc"',
    );
    expect(failure(await cli('campaign', 'show', '0'), 2)).toContain('ID must be a positive whole number');
  });

  it('refuses options the subcommand does not take, and unknown ones', async () => {
    expect(failure(await cli('campaign', 'show', '1', '--status', 'paused'), 2)).toContain(
      'campaign show does not take --status',
    );
    expect(failure(await cli('campaign', 'list', '--colour'), 2)).toContain("'--colour'");
  });

  it('says that a campaign does not exist, with exit code 1', async () => {
    for (const action of ['show', 'pause', 'resume', 'cancel', 'publish', 'preview']) {
      const line = failure(await cli('campaign', action, '4242'), 1);
      expect(line).toBe(`broadcaster campaign: campaign 4242 does not exist`);
    }
  });

  it('prints help covering every subcommand', async () => {
    const result = await cli('campaign', '--help');
    expect(result.code).toBe(0);
    for (const sub of [
      'create FILE',
      'list',
      'show ID',
      'edit ID FILE',
      'pause ID',
      'resume ID',
      'cancel ID',
      'publish ID',
      'preview ID',
      'test-send ID --phone',
    ]) {
      expect(result.stdout).toContain(sub);
    }
  });

  it("shows an example of every subcommand, in each subcommand's --help", async () => {
    const subcommands = [
      'create',
      'list',
      'show',
      'edit',
      'pause',
      'resume',
      'cancel',
      'publish',
      'preview',
      'test-send',
    ];
    for (const sub of subcommands) {
      const result = await cli('campaign', sub, '--help');
      expect(result.code).toBe(0);
      const examples = result.stdout.split('Examples:\n')[1]?.split('\n\n')[0] ?? '';
      expect(examples, sub).toMatch(new RegExp(`^  broadcaster campaign ${sub} `, 'm'));
    }
  });
});

describe('broadcaster campaign list and show', () => {
  let scheduledId: number;
  let pausedId: number;

  beforeAll(async () => {
    scheduledId = await createFromJson({ name: 'Listed scheduled' });
    pausedId = await createFromJson({ name: 'Listed paused' });
    await db.sql`update campaigns set status = 'paused' where id = ${pausedId}`;
  });

  it('lists campaigns newest first in a table with their counts', async () => {
    const result = await cli('campaign', 'list');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^\s*ID\s+NAME\s+KIND\s+STATUS\s+TRANSPORT\s+SCHEDULE\s+NEXT RUN\s+TOTAL\s+PENDING\s+SENT\s+FAILED\s+SKIPPED$/,
    );
    const paused = lines.findIndex((l) => l.includes('Listed paused'));
    const scheduled = lines.findIndex((l) => l.includes('Listed scheduled'));
    expect(paused).toBeGreaterThan(0);
    expect(paused).toBeLessThan(scheduled);
    expect(lines[paused]).toMatch(
      new RegExp(
        `^\\s*${pausedId}\\s+Listed paused\\s+broadcast\\s+paused\\s+whatsapp\\s+` +
          'once Fri 27 Nov 2099 07:00 UTC\\s+paused\\s',
      ),
    );
    expect(lines[scheduled]).toMatch(
      /whatsapp\s+once Fri 27 Nov 2099 07:00 UTC\s+Fri 27 Nov 2099 07:00 UTC\s/,
    );
  });

  it('filters by status and kind, and pages, as JSON', async () => {
    const paused = JSON.parse((await cli('campaign', 'list', '--status', 'paused', '--json')).stdout);
    expect(paused.items.map((c: { id: number }) => c.id)).toEqual([pausedId]);
    expect(paused.total).toBe(1);

    const reminders = JSON.parse((await cli('campaign', 'list', '--kind', 'reminder', '--json')).stdout);
    expect(reminders).toEqual({ items: [], total: 0 });

    const page = JSON.parse((await cli('campaign', 'list', '--limit', '1', '--json')).stdout);
    expect(page.items).toHaveLength(1);
    expect(page.total).toBeGreaterThanOrEqual(2);
  });

  it('refuses a bad filter, naming the option (exit code 2)', async () => {
    expect(failure(await cli('campaign', 'list', '--status', 'sleeping'), 2)).toContain(
      '--status must be one of draft, scheduled',
    );
    expect(failure(await cli('campaign', 'list', '--kind', 'x'), 2)).toContain(
      '--kind must be one of broadcast, reminder',
    );
    expect(failure(await cli('campaign', 'list', '--limit', '0'), 2)).toContain(
      '--limit expects a whole number >= 1',
    );
  });

  it('shows one campaign with its details, template and counts', async () => {
    const result = await cli('campaign', 'show', String(scheduledId));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Campaign ${scheduledId} "Listed scheduled"`);
    expect(result.stdout).toMatch(/status:\s+scheduled/);
    expect(result.stdout).toMatch(/transport:\s+whatsapp, channel 1/);
    expect(result.stdout).toMatch(/consent:\s+marketing: only contacts with a recorded opt-in/);
    expect(result.stdout).toMatch(/schedule:\s+once Fri 27 Nov 2099 07:00 UTC/);
    expect(result.stdout).toMatch(/next run:\s+Fri 27 Nov 2099 07:00 UTC/);
    expect(result.stdout).toMatch(/deliveries:\s+none yet/);
    expect(result.stdout).toContain('  Hi {{firstName}}, {{discount}}% off');

    const json = JSON.parse((await cli('campaign', 'show', String(scheduledId), '--json')).stdout);
    expect(json).toMatchObject({
      id: scheduledId,
      status: 'scheduled',
      purpose: 'marketing',
      templateSource: 'Hi {{firstName}}, {{discount}}% off',
    });
    expect(json.counts).toMatchObject({ queued: 0, sent: 0, skipped: 0 });
  });
});

describe('broadcaster campaign list and show (schedules)', () => {
  it('gives a cron schedule as written and the next run in its zone; none for a paused one', async () => {
    const id = await createFromJson({
      name: 'Weekly digest',
      schedule: { cron: '0 10 * * MON', timezone: 'Europe/Moscow' },
    });
    const listed = (await cli('campaign', 'list')).stdout
      .split('\n')
      .find((l) => l.includes('Weekly digest'));
    expect(listed).toMatch(/cron 0 10 \* \* MON Europe\/Moscow\s+Mon \d+ \w{3} \d{4} 10:00 Europe\/Moscow\s/);
    const shown = (await cli('campaign', 'show', String(id))).stdout;
    expect(shown).toMatch(/schedule:\s+cron 0 10 \* \* MON Europe\/Moscow\n/);
    expect(shown).toMatch(/next run:\s+Mon \d+ \w{3} \d{4} 10:00 Europe\/Moscow\n/);

    expect((await cli('campaign', 'pause', String(id))).code).toBe(0);
    expect((await cli('campaign', 'show', String(id))).stdout).toMatch(/next run:\s+paused\n/);
    const pausedLine = (await cli('campaign', 'list')).stdout
      .split('\n')
      .find((l) => l.includes('Weekly digest'));
    expect(pausedLine).toMatch(/cron 0 10 \* \* MON Europe\/Moscow\s+paused\s/);
  });
});

describe('broadcaster campaign pause, resume, cancel, publish', () => {
  it('pauses and resumes a scheduled campaign', async () => {
    const id = await createFromJson({ name: 'Lifecycle' });

    const paused = await cli('campaign', 'pause', String(id));
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.stdout).toBe(`Campaign ${id}: scheduled → paused.\n`);
    expect(await statusOf(id)).toBe('paused');

    const resumed = JSON.parse((await cli('campaign', 'resume', String(id), '--json')).stdout);
    expect(resumed).toEqual({ campaignId: id, from: 'paused', to: 'scheduled', missedTicks: null });
    expect(await statusOf(id)).toBe('scheduled');
  });

  it('says "already paused" (and "already scheduled") for a step repeated, with exit code 1', async () => {
    const id = await createFromJson({ name: 'Twice paused' });
    expect((await cli('campaign', 'pause', String(id))).code).toBe(0);
    expect(failure(await cli('campaign', 'pause', String(id)), 1)).toBe(
      `broadcaster campaign: campaign ${id} is already paused`,
    );
    expect((await cli('campaign', 'resume', String(id))).code).toBe(0);
    expect(failure(await cli('campaign', 'resume', String(id)), 1)).toBe(
      `broadcaster campaign: campaign ${id} is already scheduled`,
    );
  });

  describe('resuming a recurring campaign paused over its ticks', () => {
    /** Paused, with the ticks of the last 2½ days fallen due meanwhile (next_run_at as the engine left it). */
    async function pausedOverTicks(overrides: Record<string, unknown> = {}): Promise<number> {
      const id = await createFromJson({
        name: 'Daily digest',
        schedule: { cron: '0 10 * * *', timezone: 'Europe/Moscow' },
        ...overrides,
      });
      expect((await cli('campaign', 'pause', String(id))).code).toBe(0);
      await db.sql`update campaigns set next_run_at = now() - interval '60 hours' where id = ${id}`;
      return id;
    }
    const nextRunOf = async (id: number) =>
      (await db.sql<{ next_run_at: Date }[]>`select next_run_at from campaigns where id = ${id}`)[0]!
        .next_run_at;

    it('skips them by default, saying how many and when the next run is, in the zone', async () => {
      const id = await pausedOverTicks();
      const resumed = await cli('campaign', 'resume', String(id));
      expect(resumed.code, resumed.stderr).toBe(0);
      const [first, second] = resumed.stdout.trim().split('\n');
      expect(first).toBe(`Campaign ${id}: paused → scheduled.`);
      expect(second).toMatch(
        /^[23] ticks missed while paused are skipped \(missedTicks: skip\); next run \w{3} \d+ \w{3} \d{4} 10:00 Europe\/Moscow\.$/,
      );
      const next = await nextRunOf(id);
      expect(next.getTime()).toBeGreaterThan(Date.now());
      expect(next.getTime()).toBeLessThanOrEqual(Date.now() + 24 * 3_600_000);
    });

    it('with missedTicks: runLatest, leaves the latest due for the scheduler, and says it runs now', async () => {
      const id = await pausedOverTicks({ missedTicks: 'runLatest' });
      const resumed = JSON.parse((await cli('campaign', 'resume', String(id), '--json')).stdout);
      expect(resumed).toMatchObject({
        from: 'paused',
        to: 'scheduled',
        missedTicks: { policy: 'runLatest', timezone: 'Europe/Moscow' },
      });
      expect(resumed.missedTicks.missed).toBeGreaterThanOrEqual(2);
      expect(new Date(resumed.missedTicks.runsNow).getTime()).toBeLessThanOrEqual(Date.now());
      expect((await nextRunOf(id)).getTime()).toBeLessThan(Date.now()); // due: the scheduler's next tick runs it

      const again = await pausedOverTicks({ missedTicks: 'runLatest' });
      expect((await cli('campaign', 'resume', String(again))).stdout).toMatch(
        /ticks missed while paused: the latest \(\w{3} \d+ \w{3} \d{4} 10:00 Europe\/Moscow\) runs now \(missedTicks: runLatest\); then next run/,
      );
    });

    it('refuses missedTicks on a one-shot campaign, naming the field', async () => {
      const file = await campaignFile('one-shot-missed.json', broadcast({ missedTicks: 'skip' }));
      expect(failure(await cli('campaign', 'create', file), 1)).toContain(
        'missedTicks: only a recurring campaign',
      );
    });
  });

  it('cancels a campaign for good, skipping what was not sent', async () => {
    const id = await createFromJson({ name: 'Cancelled' });
    const cancelled = JSON.parse((await cli('campaign', 'cancel', String(id), '--json')).stdout);
    expect(cancelled).toEqual({
      campaignId: id,
      from: 'scheduled',
      to: 'cancelled',
      skippedDeliveries: 0,
      cancelledRuns: 0,
    });
    expect(failure(await cli('campaign', 'resume', String(id)), 1)).toContain('cannot go from cancelled to');
  });

  it('publishes a draft, once', async () => {
    const file = await campaignFile('draft.json', broadcast({ name: 'Draft', draft: true }));
    const created = JSON.parse((await cli('campaign', 'create', file, '--json')).stdout);
    expect(created.status).toBe('draft');

    const published = await cli('campaign', 'publish', String(created.id));
    expect(published.stdout).toBe(`Campaign ${created.id}: draft → scheduled.\n`);
    expect(await statusOf(created.id)).toBe('scheduled');
    expect(failure(await cli('campaign', 'publish', String(created.id)), 1)).toContain(
      `campaign ${created.id} is already scheduled`,
    );
  });
});

describe('broadcaster campaign create: recipients without a time zone', () => {
  it('warns when a send window will be read in the campaign zone (or UTC) for them, also with --json', async () => {
    const file = await campaignFile(
      'windowed.json',
      broadcast({ name: 'Windowed', sendWindow: { from: '09:00', to: '21:00' } }),
    );
    const json = await cli('campaign', 'create', file, '--json');
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).warnings).toEqual([
      '20 recipients have no time zone: their window is evaluated in UTC (the campaign has no timezone)',
    ]);
    const zoned = await campaignFile(
      'zoned.json',
      broadcast({ name: 'Zoned', sendWindow: { from: '09:00', to: '21:00' }, timezone: 'Europe/Moscow' }),
    );
    const text = await cli('campaign', 'create', zoned);
    expect(text.stdout).toContain(
      "Warning: 20 recipients have no time zone: their window is evaluated in Europe/Moscow (the campaign's timezone).",
    );
  });
});

describe('broadcaster campaign preview', () => {
  it('renders the message for a sample contact of the audience, and for a contact by phone', async () => {
    const id = await createFromJson({ name: 'Preview' });
    const sample = await cli('campaign', 'preview', String(id));
    expect(sample.code, sample.stderr).toBe(0);
    expect(sample.stdout).toContain('the sample contact 79000000001 (Client 1)');
    expect(sample.stdout).toContain('Hi Name1, 11% off');
    expect(sample.stdout).toContain('Audience: 20 recipients: 20 will be sent, 0 skipped.');

    const chosen = await cli('campaign', 'preview', String(id), '--contact', '+7 (900) 000-00-05', '--json');
    expect(JSON.parse(chosen.stdout)).toMatchObject({
      campaignId: id,
      contact: { phone: '79000000005', name: 'Client 5' },
      ok: true,
      text: 'Hi Name5, 15% off',
    });
  });

  it('fails naming the variable a contact lacks', async () => {
    const id = await createFromJson({
      name: 'Preview missing',
      template: 'Hi {{firstName}}, your code {{promoCode}}',
    });
    const result = await cli('campaign', 'preview', String(id), '--contact', '79000000003');
    // The whole audience lacks it: counted set-based, beside the one contact's failure.
    expect(result.stdout).toBe(
      'Audience: 20 recipients: 0 will be sent, 20 skipped (promoCode missing: 20).\n',
    );
    const line = failure(result, 1);
    expect(line).toContain(
      'the template needs "promoCode", which contact 79000000003 (Client 3) does not have',
    );
  });

  it('refuses a malformed phone (exit code 2) and says when no contact has it (exit code 1)', async () => {
    const id = await createFromJson({ name: 'Preview phones' });
    expect(failure(await cli('campaign', 'preview', String(id), '--contact', 'call me'), 2)).toMatch(
      /^broadcaster campaign: --contact: /,
    );
    expect(failure(await cli('campaign', 'preview', String(id), '--contact', '79990000000'), 1)).toContain(
      'no contact with phone 79990000000',
    );
  });
});

describe('broadcaster campaign --wait', () => {
  it('watches until the campaign rests, and fails when it ends cancelled, after printing its report', async () => {
    const file = await campaignFile('wait-cancel.json', broadcast({ name: 'Waited for' }));
    const running = startCli(['campaign', 'create', file, '--wait'], env);
    const [, id] = await running.waitForOutput(/Created campaign (\d+)/);

    await cancelCampaign(db.sql, Number(id), { now: new Date() });
    const result = await exited(running);

    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n').at(-1)).toBe(`broadcaster campaign: campaign ${id} is cancelled`);
    expect(result.stdout).toContain(`Campaign ${id} "Waited for" (whatsapp): cancelled`);
  });

  it('waits after resume too; with --json it prints only the campaign, and the reason in one line', async () => {
    const id = await createFromJson({ name: 'Resumed and waited for' });
    expect((await cli('campaign', 'pause', String(id))).code).toBe(0);
    const running = startCli(['campaign', 'resume', String(id), '--wait', '--json'], env);
    while ((await statusOf(id)) === 'paused') await new Promise((r) => setTimeout(r, 100));

    await db.sql`update campaigns set status = 'paused', status_reason = 'quota_guard' where id = ${id}`;
    const result = await exited(running);

    expect(failure(result, 1)).toBe(`broadcaster campaign: campaign ${id} is paused (quota_guard)`);
    expect(JSON.parse(result.stdout)).toMatchObject({ id, status: 'paused', statusReason: 'quota_guard' });
  });

  it('show --wait follows a pause and a resume, saying so, until the campaign ends', async () => {
    const id = await createFromJson({ name: 'Watched over a pause' });
    const running = startCli(['campaign', 'show', String(id), '--wait'], env);
    let stderr = '';
    running.child.stderr!.on('data', (chunk) => (stderr += chunk));
    const told = (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(stderr)) resolve();
          else if (running.child.exitCode !== null) reject(new Error(`exited: ${stderr}`));
          else setTimeout(check, 50);
        };
        check();
      });

    await pauseCampaign(db.sql, id, { now: new Date() });
    await told(/is paused: waiting for it to be resumed/);
    await resumeCampaign(db.sql, id, { now: new Date() });
    await told(/was resumed \(scheduled\): watching again/);
    await cancelCampaign(db.sql, id, { now: new Date() });
    const result = await exited(running);

    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n').at(-1)).toBe(`broadcaster campaign: campaign ${id} is cancelled`);
  });

  it('with a running engine, waits for a broadcast to complete, then prints the campaign with its counts', async () => {
    const engine = startCli(['start', '--json'], {
      ...env,
      PORT: String(await freePort()),
      WHATSAPP_NEW_CLIENT_DELAY_MS: '0',
      CHAT2DESK_REQUESTS_PER_SECOND: '0',
    });
    try {
      await engine.waitForOutput(/"role"/);
      const at = new Date(Date.now() + 3000).toISOString();
      const file = await campaignFile(
        'wait-complete.json',
        broadcast({ name: 'Sent while waiting', transport: 'sms', schedule: { at } }),
      );

      const result = await cli('campaign', 'create', file, '--wait', '--json');

      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toBe('');
      const done = JSON.parse(result.stdout);
      expect(done).toMatchObject({ name: 'Sent while waiting', status: 'completed' });
      expect(done.counts.sent).toBe(20);
    } finally {
      await engine.stop();
    }
  });
});
