import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, type RunningCli, startCli } from '../../support/cli.js';
import { createEmptyDatabase, createTestDatabase, type TestDatabase } from '../../support/database.js';
import { freePort } from '../../support/freePort.js';

describe('broadcaster start', () => {
  let db: TestDatabase | undefined;
  let cli: RunningCli | undefined;
  afterAll(async () => {
    await cli?.stop();
    await db?.drop();
  });

  it('runs the engine on the sandbox when no token is given, says so, serves /healthz, and stops cleanly', async () => {
    db = await createTestDatabase();
    const port = await freePort();
    cli = startCli(['start', '--json'], { DATABASE_URL: db.url, PORT: String(port), LOG_LEVEL: 'info' });

    const [json] = await cli.waitForOutput(/\{[\s\S]*\}\n/);
    const started = JSON.parse(json) as { role: string; httpUrl: string; sandboxUrl: string };
    expect(started.role).toBe('all');
    expect(started.httpUrl).toBe(`http://127.0.0.1:${port}`);
    expect(started.sandboxUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${started.httpUrl}/healthz`);
    expect(health.status).toBe(200);

    const result = await cli.stop('SIGTERM');
    cli = undefined;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('Chat2Desk SANDBOX');
    expect(result.stderr).toContain('engine started');
  });
});

describe('broadcaster start, for a person', () => {
  let db: TestDatabase | undefined;
  let cli: RunningCli | undefined;
  afterAll(async () => {
    await cli?.stop();
    await db?.drop();
  });

  it('prints where the console and the API listen, the sandbox it sends to and the database, never the password', async () => {
    db = await createTestDatabase();
    const port = await freePort();
    // The embedded server's URL has a real password; the machine's trusts local connections, so a
    // made-up one is never checked, only shown (or not).
    const url = new URL(db.url);
    if (url.password === '') url.password = 'db-password-1234';
    const password = decodeURIComponent(url.password);
    cli = startCli(['start'], { DATABASE_URL: url.href, PORT: String(port), LOG_LEVEL: 'info' });

    await cli.waitForOutput(/Database:.*\n/);
    const result = await cli.stop('SIGTERM');
    cli = undefined;

    expect(result.code).toBe(0);
    const banner = result.stdout.split('\n');
    expect(banner[0]).toBe('broadcaster is running (role all); stop it with Ctrl-C.');
    expect(banner).toContain(`  Console:      http://127.0.0.1:${port}/`);
    expect(banner).toContain(
      `  API:          http://127.0.0.1:${port}/api/v1 (OpenAPI: http://127.0.0.1:${port}/api/v1/openapi.json)`,
    );
    expect(result.stdout).toMatch(
      /^ {2}Chat2Desk: {4}built-in sandbox at http:\/\/127\.0\.0\.1:\d+ \(CHAT2DESK_TOKEN is not set/m,
    );
    expect(banner).toContain(
      `  Database:     PostgreSQL at ${url.host}${url.pathname} as ${decodeURIComponent(url.username)} (DATABASE_URL)`,
    );
    expect(`${result.stdout}${result.stderr}`).not.toContain(password);
    // Not a terminal: the logs stay JSON lines, for a collector.
    for (const line of result.stderr.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('logs one readable line a record when stderr is a terminal', async () => {
    const empty = await createEmptyDatabase();
    try {
      // script(1) gives the command a pseudo-terminal, as a person's shell would.
      const result = await runProgram(
        'script',
        ['-q', '-e', '-c', `${process.execPath} ${CLI} migrate`, '/dev/null'],
        { DATABASE_URL: empty.url, LOG_LEVEL: 'info' },
      );
      expect(result.code, result.stdout).toBe(0);
      expect(result.stdout).toMatch(
        /^\d\d:\d\d:\d\d\.\d{3}Z INFO {2}migration applied migration=\d{14}_\w+\r?$/m,
      );
      expect(result.stdout).not.toContain('"level"');
    } finally {
      await empty.drop();
    }
  });
});

function runProgram(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stdout += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}
