import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { redactUrl, WebhookDispatcher } from '../../../src/chat2desk/sandbox/webhooks.js';
import { recordingPlainLogger } from '../../support/sandboxApi.js';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A hook receiver answering the given statuses in turn (then 200). */
async function receiver(statuses: number[] = []) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      res.statusCode = statuses.shift() ?? 200;
      res.end('ok');
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, url: `${origin}/hooks/secret-path`, received };
}

describe('WebhookDispatcher.deliver', () => {
  it('POSTs the payload as JSON and resolves true on a 2xx', async () => {
    const hook = await receiver();
    const dispatcher = new WebhookDispatcher(recordingPlainLogger().logger, [1, 1]);
    expect(await dispatcher.deliver(hook.url, { text: 'STOP' })).toBe(true);
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]).toMatchObject({ path: '/hooks/secret-path', body: '{"text":"STOP"}' });
    expect(hook.received[0]!.headers['content-type']).toBe('application/json');
  });

  it('retries once per delay, then gives up, logging only where the hook points', async () => {
    const hook = await receiver([500, 503, 500]);
    const { logger, lines } = recordingPlainLogger();
    const dispatcher = new WebhookDispatcher(logger, [1, 1]);
    expect(await dispatcher.deliver(hook.url, { n: 1 })).toBe(false);
    expect(hook.received).toHaveLength(3);
    expect(lines.map((l) => [l['msg'], l['attempt'], l['problem']])).toEqual([
      ['sandbox web hook delivery failed', 1, 'HTTP 500'],
      ['sandbox web hook delivery failed', 2, 'HTTP 503'],
      ['sandbox web hook delivery failed', 3, 'HTTP 500'],
      ['sandbox web hook delivery given up', undefined, undefined],
    ]);
    expect(JSON.stringify(lines)).not.toContain('secret-path');
    expect(lines[0]!['url']).toBe(hook.origin);
  });

  it('succeeds on a retry once the receiver answers again', async () => {
    const hook = await receiver([502]);
    const dispatcher = new WebhookDispatcher(recordingPlainLogger().logger, [1]);
    expect(await dispatcher.deliver(hook.url, {})).toBe(true);
    expect(hook.received).toHaveLength(2);
  });

  it('resolves false, without throwing, for an address nobody listens on', async () => {
    const hook = await receiver();
    const closed = servers.pop()!;
    await new Promise((resolve) => closed.close(resolve));
    const dispatcher = new WebhookDispatcher(recordingPlainLogger().logger, []);
    expect(await dispatcher.deliver(hook.url, {})).toBe(false);
  });
});

describe('WebhookDispatcher.post', () => {
  it('makes one attempt with the extra headers, answering null or what failed', async () => {
    const hook = await receiver([500]);
    const dispatcher = new WebhookDispatcher(recordingPlainLogger().logger);
    expect(await dispatcher.post(hook.url, '{"a":1}', { 'x-signature': 'abc' })).toBe('HTTP 500');
    expect(await dispatcher.post(hook.url, '{"a":2}', { 'x-signature': 'def' })).toBeNull();
    expect(hook.received.map((r) => [r.body, r.headers['x-signature'], r.headers['content-type']])).toEqual([
      ['{"a":1}', 'abc', 'application/json'],
      ['{"a":2}', 'def', 'application/json'],
    ]);
  });

  it('sends nothing once closed', async () => {
    const hook = await receiver();
    const dispatcher = new WebhookDispatcher(recordingPlainLogger().logger);
    await dispatcher.close();
    expect(await dispatcher.post(hook.url, '{}', {})).toBe('the sandbox is closing');
    expect(await dispatcher.deliver(hook.url, {})).toBe(false);
    expect(hook.received).toEqual([]);
  });

  it('stops waiting for a retry when closed', async () => {
    const hook = await receiver([500]);
    const dispatcher = new WebhookDispatcher(recordingPlainLogger().logger, [600_000]);
    const delivery = dispatcher.deliver(hook.url, {});
    while (hook.received.length === 0) await new Promise((resolve) => setImmediate(resolve));
    await dispatcher.close();
    expect(await delivery).toBe(false);
    expect(hook.received).toHaveLength(1);
  });
});

describe('redactUrl', () => {
  it('keeps only the origin of a hook URL', () => {
    expect(redactUrl('https://user:pw@example.com:8443/hooks/secret?token=x')).toBe(
      'https://example.com:8443',
    );
  });

  it('says so for something that is not a URL', () => {
    expect(redactUrl('not a url')).toBe('[invalid url]');
  });
});
