import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../../src/chat2desk/sandbox/index.js';
import type { DoctorCheck } from '../../../src/cli/commands/doctor.js';
import { installationWebhookSecret } from '../../../src/http/webhookSecret.js';
import { runCli } from '../../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

let db: TestDatabase;
let sandbox: Sandbox;
beforeAll(async () => {
  db = await createTestDatabase();
  sandbox = await startSandbox({ port: 0, token: 'live-token' });
});
afterAll(async () => {
  await sandbox?.close();
  await db?.drop();
});

async function doctor(env: Record<string, string>) {
  const result = await runCli(['doctor', '--json'], {
    DATABASE_URL: db.url,
    CHAT2DESK_API_URL: sandbox.url,
    CHAT2DESK_TOKEN: 'live-token',
    ...env,
  });
  const report = JSON.parse(result.stdout) as { ok: boolean; checks: DoctorCheck[] };
  const byName = Object.fromEntries(report.checks.map((c) => [c.check, c]));
  return { ...result, report, byName };
}

describe('broadcaster doctor', () => {
  it('passes an account that is ready, naming what it found, and creates nothing', async () => {
    const { code, report, byName } = await doctor({});
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(byName['chat2desk token']).toMatchObject({ verdict: 'ok' });
    expect(byName['api mode']?.detail).toMatch(/requests/);
    expect(byName.channels).toMatchObject({ verdict: 'ok' });
    expect(byName.channels?.detail).toMatch(/whatsapp/);
    expect(byName['client creation']?.detail).toMatch(/not known yet/);
    expect(byName['web hook']?.detail).toMatch(/PUBLIC_URL is not set/);
    expect(sandbox.state.clientList).toHaveLength(0);
  });

  it('fails a refused token with what to do, exit code 1 and one line on stderr', async () => {
    const { code, stderr, byName } = await doctor({ CHAT2DESK_TOKEN: 'not-the-token' });
    expect(code).toBe(1);
    expect(byName['chat2desk token']).toMatchObject({ verdict: 'fail' });
    expect(byName['chat2desk token']?.fix).toMatch(/Settings › API/);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/1 check failed/);
    expect(stderr).not.toContain('not-the-token');
  });

  it('warns about creation switched off and, on an account without /v1/webhooks, a web hook of another integration', async () => {
    sandbox.setOptions({ webhooksApi: false });
    await db.sql`
      insert into chat2desk_account_facts (fact, value, learnt_at) values ('client_creation', false, now())
      on conflict (fact) do update set value = false`;
    await fetch(`${sandbox.url}/v1/companies/web_hook`, {
      method: 'POST',
      headers: { authorization: 'live-token', 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://crm.example.com/hook' }),
    });
    const { code, byName } = await doctor({ PUBLIC_URL: 'https://broadcaster.example.com' });
    expect(code).toBe(0);
    expect(byName['client creation']).toMatchObject({ verdict: 'warn' });
    expect(byName['client creation']?.fix).toMatch(/support/);
    expect(byName['web hook']).toMatchObject({ verdict: 'warn' });
    expect(byName['web hook']?.detail).toMatch(/another web hook/);
    sandbox.setOptions({ webhooksApi: true });
  });

  it("reads today's web hooks: ours registered, then switched off by Chat2Desk", async () => {
    const publicUrl = 'https://broadcaster.example.com';
    const url = `${publicUrl}/webhooks/chat2desk/${await installationWebhookSecret(db.sql)}`;
    await fetch(`${sandbox.url}/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: 'live-token', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'chat2desk-broadcaster', url, events: ['inbox', 'outbox_status'] }),
    });
    const registered = await doctor({ PUBLIC_URL: publicUrl });
    expect(registered.byName['web hook']).toMatchObject({ verdict: 'ok' });
    expect(registered.byName['web hook']?.detail).toMatch(/\/v1\/webhooks, events inbox, outbox_status/);

    const [hook] = sandbox.state.webhooks.list();
    sandbox.state.webhooks.switchOff(hook!, new Date());
    const off = await doctor({ PUBLIC_URL: publicUrl });
    expect(off.byName['web hook']).toMatchObject({ verdict: 'warn' });
    expect(off.byName['web hook']?.fix).toMatch(/PUBLIC_URL reaches this engine/);
  });

  it('says plainly when there is no token: the sandbox, and no message reaches a client', async () => {
    const result = await runCli(['doctor'], { DATABASE_URL: db.url });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/WARN\s+chat2desk token\s+CHAT2DESK_TOKEN is not set/);
    expect(result.stdout).toMatch(/→ set CHAT2DESK_TOKEN/);
  });
});
