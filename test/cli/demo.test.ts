import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { freePort } from '../support/freePort.js';

describe('broadcaster demo', () => {
  let dataDir: string | undefined;
  afterAll(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('runs broadcasts end to end on the sandbox, on a fresh embedded PostgreSQL, and prints their reports', async () => {
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
        status: string;
        transport: string;
        total: number;
        counts: Record<string, number>;
        reasons: Record<string, number>;
      }>;
    };
    expect(output.campaigns.map((c) => c.transport)).toEqual(['whatsapp', 'viber']);
    expect(output.campaigns.reduce((n, c) => n + c.total, 0)).toBe(120);
    for (const campaign of output.campaigns) {
      expect(campaign.status).toBe('completed');
      const pending = campaign.counts.queued! + campaign.counts.waiting! + campaign.counts.sending!;
      expect(pending).toBe(0);
      expect(campaign.counts.sent! + campaign.counts.delivered! + campaign.counts.read!).toBeGreaterThan(0);
    }
    const reasons = Object.assign({}, ...output.campaigns.map((c) => c.reasons));
    expect(Object.keys(reasons)).toEqual(
      expect.arrayContaining(['opted_out', 'no_consent', 'invalid_phone']),
    );
  });

  it('prints a readable report for people', async () => {
    dataDir ??= await mkdtemp(join(tmpdir(), 'broadcaster-demo-'));
    const result = await runCli(['demo', '--contacts', '30'], {
      BROADCASTER_DATA_DIR: dataDir,
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
    });

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Campaign \d+ "Black Friday \(WhatsApp\)" \(whatsapp\): completed/);
    expect(result.stdout).toContain('does not report delivery on whatsapp');
  });
});
