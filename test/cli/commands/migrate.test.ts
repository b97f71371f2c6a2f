import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readMigrations } from '../../../src/db/migrator.js';
import { runCli } from '../../support/cli.js';
import { createEmptyDatabase } from '../../support/database.js';
import { freePort } from '../../support/freePort.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

describe('broadcaster migrate', () => {
  it('migrates the database named by DATABASE_URL, and is a no-op the second time', async () => {
    const db = await createEmptyDatabase();
    cleanups.push(db.drop);
    const migrations = await readMigrations();

    const first = await runCli(['migrate'], { DATABASE_URL: db.url });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Applied ${migrations.length} migration(s)`);
    for (const m of migrations) expect(first.stdout).toContain(m.name);

    const second = await runCli(['migrate', '--json'], { DATABASE_URL: db.url });
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({ applied: [], alreadyApplied: migrations.length });
  });

  it('starts the embedded PostgreSQL when DATABASE_URL is not set, and stops it afterwards', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'broadcaster-data-'));
    await chmod(dataDir, 0o755); // as root, PostgreSQL runs as `postgres`, who must reach it
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const env = { BROADCASTER_DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(await freePort()) };

    const first = await runCli(['migrate', '--json'], env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).applied.length).toBeGreaterThan(0);
    expect(existsSync(join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);

    const second = await runCli(['migrate', '--json'], env);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).applied).toEqual([]);
  });

  it('stops on a bad configuration value with one line naming the variable, never echoing a URL', async () => {
    const result = await runCli(['migrate'], { DATABASE_URL: 'mysql://admin:hunter2@db.example/app' });

    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('DATABASE_URL');
    expect(result.stderr).not.toContain('hunter2');
  });

  it('reports an unreachable database in one line and exits non-zero', async () => {
    const port = await freePort();
    const result = await runCli(['migrate'], { DATABASE_URL: `postgres://u:hunter2@127.0.0.1:${port}/x` });

    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/ECONNREFUSED|connect/);
    expect(result.stderr).not.toContain('hunter2');
  });
});

describe('broadcaster (command line)', () => {
  it('rejects an unknown command with exit code 2', async () => {
    const result = await runCli(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command "frobnicate"');
  });

  it('rejects an unknown option, naming it', async () => {
    const result = await runCli(['migrate', '--colour']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("'--colour'");
  });

  it('prints help for the program and for a command', async () => {
    const program = await runCli(['--help']);
    expect(program.code).toBe(0);
    expect(program.stdout).toMatch(/migrate\s+apply database migrations/);
    const command = await runCli(['migrate', '--help']);
    expect(command.code).toBe(0);
    expect(command.stdout).toContain('Usage: broadcaster migrate');
  });
});
