import { afterAll, describe, expect, it } from 'vitest';
import { type RunningCli, startCli } from '../../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
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
