import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { freePort } from '../../support/freePort.js';

describe('broadcaster demo', () => {
  let dataDir: string | undefined;
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('runs broadcasts and appointment reminders end to end on the sandbox, on a fresh embedded PostgreSQL, and prints their reports', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'broadcaster-demo-'));
    await chmod(dataDir, 0o755); // as root, PostgreSQL runs as `postgres`, who must reach it
    const result = await runCli(['demo', '--contacts', '120', '--json'], {
      BROADCASTER_DATA_DIR: dataDir,
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
    });

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as {
      campaigns: Array<{
        name: string;
        status: string;
        transport: string;
        total: number;
        counts: Record<string, number>;
        reasons: Record<string, number>;
      }>;
    };
    expect(output.campaigns.map((c) => c.transport)).toEqual(['whatsapp', 'viber', 'whatsapp']);
    const broadcasts = output.campaigns.slice(0, 2);
    expect(broadcasts.reduce((n, c) => n + c.total, 0)).toBe(120);
    for (const campaign of output.campaigns) {
      const pending = campaign.counts.queued! + campaign.counts.waiting! + campaign.counts.sending!;
      expect(pending).toBe(0);
      expect(campaign.counts.sent! + campaign.counts.delivered! + campaign.counts.read!).toBeGreaterThan(0);
    }
    for (const campaign of broadcasts) expect(campaign.status).toBe('completed');
    const reasons = Object.assign({}, ...broadcasts.map((c) => c.reasons));
    expect(Object.keys(reasons)).toEqual(
      expect.arrayContaining(['opted_out', 'no_consent', 'invalid_phone']),
    );
    // Six appointments two hours ahead, reminded 24 h (booked late) and 2 h before; one cancelled, one
    // moved by five seconds (its 2-hour reminder moved with it).
    const reminders = output.campaigns[2]!;
    expect(reminders).toMatchObject({ name: 'Appointment reminders', status: 'running' });
    expect(reminders.reasons).toEqual({ booked_late: 6, appointment_cancelled: 1 });
    expect(reminders.counts).toMatchObject({ sent: 5, skipped: 7, queued: 0, waiting: 0, sending: 0 });
  });

  it('prints a readable report for people', async () => {
    dataDir ??= await mkdtemp(join(tmpdir(), 'broadcaster-demo-'));
    const result = await runCli(['demo', '--contacts', '30'], {
      BROADCASTER_DATA_DIR: dataDir,
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
    });

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Campaign \d+ "Black Friday \(WhatsApp\)" \(whatsapp\): completed/);
    expect(result.stdout).toMatch(/Campaign \d+ "Appointment reminders" \(whatsapp\): running/);
    expect(result.stdout).toContain('does not report delivery on whatsapp');
  });
});
