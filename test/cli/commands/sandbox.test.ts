import { afterAll, describe, expect, it } from 'vitest';
import { type RunningCli, runCli, startCli } from '../../support/cli.js';

describe('broadcaster sandbox', () => {
  let cli: RunningCli | undefined;
  afterAll(async () => {
    await cli?.stop();
  });

  it('serves the manual: a wrong token gets the error envelope, and a new WhatsApp client is not messaged early', async () => {
    cli = startCli(['sandbox', '--port', '0', '--token', 't', '--json']);
    const [json] = await cli.waitForOutput(/\{[\s\S]*\}\n/);
    const { url } = JSON.parse(json) as { url: string };
    const api = (path: string, init: RequestInit = {}, token = 't') =>
      fetch(`${url}${path}`, {
        ...init,
        headers: { authorization: token, 'content-type': 'application/json' },
      });

    const wrong = await api('/v1/companies/api_info', {}, 'not-t');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ status: 'error', message: 'You need to auth' });

    const created = await api('/v1/clients?phone=79990001122&transport=whatsapp', { method: 'POST' });
    expect(created.status).toBe(200);
    const client = (await created.json()) as { status: string; data: { id: number; phone: string } };
    expect(client).toMatchObject({ status: 'success', data: { phone: '79990001122' } });

    const sent = await api('/v1/messages', {
      method: 'POST',
      body: JSON.stringify({ client_id: client.data.id, text: 'Hello', transport: 'whatsapp' }),
    });
    expect(sent.status).toBe(200);

    // Held, not delivered: the sandbox records it as accepted, going out only after the 7-minute delay.
    const state = (await (await api('/sandbox/state')).json()) as {
      data: {
        messages: Array<{ text: string; sentAt: string | null; goesOutAt: string }>;
        clients: Array<{ id: number; transports: Array<{ transport: string; addedAt: string }> }>;
      };
    };
    const message = state.data.messages.find((m) => m.text === 'Hello')!;
    const whatsapp = state.data.clients
      .find((c) => c.id === client.data.id)!
      .transports.find((t) => t.transport === 'whatsapp')!;
    expect(message.sentAt).toBeNull();
    expect(
      new Date(message.goesOutAt).getTime() - new Date(whatsapp.addedAt).getTime(),
    ).toBeGreaterThanOrEqual(7 * 60_000);

    const stopped = await cli.stop('SIGTERM');
    expect(stopped.code).toBe(0);
    cli = undefined;
  });

  it('--profile production starts as a real account does: demo quota, client creation off unless allowed', async () => {
    cli = startCli(['sandbox', '--profile', 'production', '--port', '0', '--token', 't', '--json']);
    const [json] = await cli.waitForOutput(/\{[\s\S]*\}\n/);
    const { url } = JSON.parse(json) as { url: string };
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${url}${path}`, {
        ...init,
        headers: { authorization: 't', 'content-type': 'application/json' },
      });

    const info = (await (await api('/v1/companies/api_info')).json()) as { data: { mode: string } };
    expect(info.data.mode).toBe('demo');
    const refused = await api('/v1/clients?phone=79990001122&transport=whatsapp', { method: 'POST' });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toMatch(/disabled/);

    const stopped = await cli.stop('SIGTERM');
    expect(stopped.code).toBe(0);
    cli = undefined;

    cli = startCli([
      'sandbox',
      '--profile',
      'production',
      '--allow-client-creation',
      '--port',
      '0',
      '--token',
      't',
      '--json',
    ]);
    const [again] = await cli.waitForOutput(/\{[\s\S]*\}\n/);
    const created = await fetch(
      `${(JSON.parse(again) as { url: string }).url}/v1/clients?phone=79990001122&transport=sms`,
      {
        method: 'POST',
        headers: { authorization: 't' },
      },
    );
    expect(created.status).toBe(200);
    await cli.stop('SIGTERM');
    cli = undefined;
  });

  it('refuses a bad option value with exit code 2, naming the option', async () => {
    const result = await runCli(['sandbox', '--port', 'eighty']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--port');
  });
});
