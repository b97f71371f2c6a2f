import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_CONTROL_ENDPOINTS } from '../../../src/chat2desk/sandbox/routes/controlEndpoints.js';
import { failureLine as failure, type RunningCli, runCli, startCli } from '../../support/cli.js';

// biome-ignore lint/suspicious/noExplicitAny: answers are JSON, asserted field by field
type Json = any;

let sandbox: RunningCli;
let url: string;
const TOKEN = 'reply-test-token';
const hooks: Json[] = [];
let hookServer: Server;

async function api(path: string, init: RequestInit = {}): Promise<Json> {
  const res = await fetch(`${url}${path}`, {
    ...init,
    headers: { authorization: TOKEN, 'content-type': 'application/json' },
  });
  return res.json();
}

beforeAll(async () => {
  sandbox = startCli(['sandbox', '--port', '0', '--token', TOKEN, '--json']);
  const [json] = await sandbox.waitForOutput(/\{[\s\S]*\}\n/);
  url = (JSON.parse(json) as { url: string }).url;
  // The engine's web hook receiver, as the sandbox would post to it.
  hookServer = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', () => {
      hooks.push(JSON.parse(text));
      res.end();
    });
  });
  await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
  const hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/webhooks/chat2desk/s`;
  await api('/v1/companies/web_hook', { method: 'POST', body: JSON.stringify({ url: hookUrl }) });
});

afterAll(async () => {
  await sandbox?.stop();
  await new Promise<void>((resolve) => hookServer?.close(() => resolve()));
});

describe('broadcaster sandbox reply', () => {
  it("writes as a client: the web hook gets a from_client message and polling lists it, as a real client's STOP", async () => {
    const result = await runCli([
      'sandbox',
      'reply',
      '--url',
      url,
      '--token',
      TOKEN,
      '--phone',
      '+7 916 123-45-67',
      '--text',
      'СТОП',
    ]);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Client \d+ \(\+79161234567\) wrote "СТОП" on whatsapp \(message \d+\)/);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ type: 'from_client', text: 'СТОП', client: { phone: '79161234567' } });
    // What the engine's reply watcher reads when no web hook brings replies.
    const listed = await api('/v1/messages?type=from_client');
    expect(listed.data.map((m: Json) => m.text)).toEqual(['СТОП']);
  });

  it('prints the message with --json', async () => {
    const result = await runCli(
      [
        'sandbox',
        'reply',
        '--url',
        url,
        '--token',
        TOKEN,
        '--phone',
        '89161234567',
        '--text',
        'stop',
        '--json',
      ],
      {},
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      type: 'from_client',
      text: 'stop',
      transport: 'whatsapp',
    });
    const state = await api('/sandbox/state');
    expect(state.data.clients).toHaveLength(1);
  });

  it('says why in one line: a wrong token, no sandbox at the URL, missing options', async () => {
    const args = ['sandbox', 'reply', '--phone', '79161234567', '--text', 'x'];
    expect(failure(await runCli([...args, '--url', url, '--token', 'wrong']), 1)).toMatch(
      /refused the reply: HTTP 401 You need to auth \(wrong --token\?\)$/,
    );
    expect(failure(await runCli([...args, '--url', 'http://127.0.0.1:9', '--token', TOKEN]), 1)).toMatch(
      /^broadcaster sandbox: no sandbox answers at http:\/\/127\.0\.0\.1:9 /,
    );
    expect(failure(await runCli(['sandbox', 'reply', '--phone', '79161234567']), 2)).toBe(
      'broadcaster sandbox: sandbox reply needs --text, what the client writes (e.g. --text СТОП)',
    );
    expect(failure(await runCli([...args, '--url', 'ftp://x']), 2)).toMatch(
      /--url must be the sandbox's http/,
    );
    const secret = await runCli([...args, '--url', url, '--token', 'wrong-secret-token']);
    expect(secret.stderr).not.toContain('wrong-secret-token');
  });
});

describe('broadcaster sandbox --help', () => {
  it('lists every control endpoint the sandbox registers', async () => {
    const result = await runCli(['sandbox', '--help']);
    expect(result.code).toBe(0);
    for (const endpoint of SANDBOX_CONTROL_ENDPOINTS) {
      expect(result.stdout).toContain(`${endpoint.method} ${endpoint.path}`);
    }
    expect(result.stdout).toContain('sandbox reply --phone');
  });
});
