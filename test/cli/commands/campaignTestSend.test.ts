import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../../src/chat2desk/sandbox/index.js';
import { type CliResult, failureLine as failure, runCli } from '../../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { seedContacts } from '../../support/engineHarness.js';

let db: TestDatabase;
let dir: string;
let sandbox: Sandbox;
let env: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  sandbox = await startSandbox({ port: 0, token: 'test-send-token' });
  env = {
    DATABASE_URL: db.url,
    CHAT2DESK_API_URL: sandbox.url,
    CHAT2DESK_TOKEN: sandbox.token,
    CHAT2DESK_REQUESTS_PER_SECOND: '0',
  };
  dir = await mkdtemp(join(tmpdir(), 'broadcaster-test-send-'));
  // 79000000001…79000000003 in "vip", opted in, with firstName and discount.
  await seedContacts(db.sql, { count: 3, list: 'vip' });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await sandbox?.close();
  await db?.drop();
});

function cli(args: string[], extra: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, { ...env, ...extra });
}

async function campaign(transport: string): Promise<number> {
  const file = join(dir, `${transport}.json`);
  await writeFile(
    file,
    JSON.stringify({
      name: `Test send on ${transport}`,
      kind: 'broadcast',
      transport,
      template: 'Hi {{firstName}}, {{discount}}% off',
      audience: { list: 'vip' },
      schedule: { at: '2099-03-01T10:00:00+03:00' },
      draft: true,
    }),
  );
  const result = await cli(['campaign', 'create', file, '--json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout).id as number;
}

describe('broadcaster campaign test-send', () => {
  it("sends the campaign's message to one contact through Chat2Desk and prints what went", async () => {
    const id = await campaign('sms');
    const result = await cli(['campaign', 'test-send', String(id), '--phone', '+7 900 000-00-01']);
    expect(result.code, result.stderr).toBe(0);
    const [first, , text] = result.stdout.split('\n');
    expect(first).toMatch(
      new RegExp(
        `^Sent campaign ${id}'s message to \\+79000000001 on sms \\(Chat2Desk client \\d+(, message \\d+)?\\):$`,
      ),
    );
    expect(text).toBe('Hi Name1, 11% off');
    expect(sandbox.state.messages.map((m) => m.text)).toContain('Hi Name1, 11% off');
  });

  it('on WhatsApp, for a client it has just created, says from when the message may go', async () => {
    const id = await campaign('whatsapp');
    const line = failure(await cli(['campaign', 'test-send', String(id), '--phone', '79000000002']), 1);
    expect(line).toMatch(
      new RegExp(
        '^broadcaster campaign: not sent: \\+79000000002 is a new WhatsApp client, and Chat2Desk takes messages ' +
          `to it from \\w{3} \\d+ \\w{3} \\d{4} \\d\\d:\\d\\d \\S+ \\(\\S+Z\\); run \`broadcaster campaign test-send ${id} --phone 79000000002\` again then$`,
      ),
    );
    const sent = await cli(['campaign', 'test-send', String(id), '--phone', '79000000002', '--json'], {
      WHATSAPP_NEW_CLIENT_DELAY_MS: '0',
    });
    expect(sent.code, sent.stderr).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({
      campaignId: id,
      phone: '79000000002',
      transport: 'whatsapp',
      text: 'Hi Name2, 12% off',
    });
  });

  it('needs --phone (exit code 2), a known contact, and a Chat2Desk token', async () => {
    const id = await campaign('viber');
    expect(failure(await cli(['campaign', 'test-send', String(id)]), 2)).toContain('needs --phone PHONE');
    expect(failure(await cli(['campaign', 'test-send', String(id), '--phone', '79990000000']), 1)).toContain(
      '79990000000',
    );
    expect(
      failure(
        await runCli(['campaign', 'test-send', String(id), '--phone', '79000000003'], {
          DATABASE_URL: db.url,
        }),
        1,
      ),
    ).toBe(
      'broadcaster campaign: test-send needs CHAT2DESK_TOKEN (and CHAT2DESK_API_URL for a sandbox started with `broadcaster sandbox`)',
    );
  });
});
