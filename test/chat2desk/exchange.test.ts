import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Pool } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Chat2DeskNetworkError,
  Chat2DeskServerError,
  Chat2DeskTimeoutError,
} from '../../src/chat2desk/errors.js';
import { type ExchangeRequest, exchange } from '../../src/chat2desk/exchange.js';
import { freePort } from '../support/freePort.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** A real HTTP server answering with `handle`, and a pool to it, as the API client has one. */
async function serve(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<Pool> {
  const sockets = new Set<Socket>();
  const server: Server = createServer(handle);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  cleanups.push(async () => {
    await pool.destroy();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return pool;
}

function request(over: Partial<ExchangeRequest> = {}): ExchangeRequest & { sent: () => number } {
  let sent = 0;
  return {
    endpoint: 'POST /v1/messages',
    method: 'POST',
    path: '/v1/messages?x=1',
    headers: { authorization: 'secret-token', 'content-type': 'application/json' },
    body: '{"text":"Hi"}',
    timeoutMs: 5_000,
    acts: true,
    onSent: () => {
      sent++;
    },
    redact: (text) => text,
    sent: () => sent,
    ...over,
  };
}

describe('exchange', () => {
  it('sends the request as given and gives back the status and the whole body', async () => {
    let seen: { method?: string; url?: string; auth?: string; body?: string } = {};
    const pool = await serve((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        seen = { method: req.method, url: req.url, auth: req.headers.authorization, body };
        res.writeHead(201, { 'content-type': 'application/json' });
        res.write('{"status":');
        res.end('"success","text":"Привет"}');
      });
    });
    const req = request();

    expect(await exchange(pool, req)).toEqual({
      statusCode: 201,
      body: '{"status":"success","text":"Привет"}',
    });
    expect(seen).toEqual({
      method: 'POST',
      url: '/v1/messages?x=1',
      auth: 'secret-token',
      body: '{"text":"Hi"}',
    });
    expect(req.sent()).toBe(1);
  });

  it('leaves judging the status to its caller: an error status is an answer too', async () => {
    const pool = await serve((_req, res) => {
      res.writeHead(503);
      res.end('down for maintenance');
    });

    expect(await exchange(pool, request({ method: 'GET', body: undefined }))).toEqual({
      statusCode: 503,
      body: 'down for maintenance',
    });
  });

  it('times out after the request was sent: ambiguous for a request that acts', async () => {
    const pool = await serve(() => {}); // never answers
    const req = request({ timeoutMs: 300 });

    const error = await exchange(pool, req).catch((e) => e);

    expect(error).toBeInstanceOf(Chat2DeskTimeoutError);
    expect(error.message).toBe(
      'Chat2Desk POST /v1/messages: timed out after the request was sent (no complete answer within 300 ms)',
    );
    expect(error).toMatchObject({ endpoint: 'POST /v1/messages', ambiguous: true, retryable: true });
    expect(req.sent()).toBe(1);
  });

  it('does not call a read that timed out ambiguous', async () => {
    const pool = await serve(() => {});

    const error = await exchange(
      pool,
      request({ method: 'GET', body: undefined, acts: false, timeoutMs: 300 }),
    ).catch((e) => e);

    expect(error).toBeInstanceOf(Chat2DeskTimeoutError);
    expect(error.ambiguous).toBe(false);
  });

  it('fails before sending when the connection is refused: never ambiguous, the reason redacted', async () => {
    const pool = new Pool(`http://127.0.0.1:${await freePort()}`);
    cleanups.push(() => pool.destroy());
    const req = request({ redact: (text) => text.replace('ECONNREFUSED', '[hidden]') });

    const error = await exchange(pool, req).catch((e) => e);

    expect(error).toBeInstanceOf(Chat2DeskNetworkError);
    expect(error.message).toBe(
      'Chat2Desk POST /v1/messages: connection failed before the request was sent ([hidden])',
    );
    expect(error.ambiguous).toBe(false);
    expect(req.sent()).toBe(0);
    expect(error.cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('fails after sending when the server closes the connection without answering: ambiguous', async () => {
    const pool = await serve((req) => {
      req.on('data', () => {});
      req.on('end', () => req.socket.destroy());
    });
    const req = request();

    const error = await exchange(pool, req).catch((e) => e);

    expect(error).toBeInstanceOf(Chat2DeskNetworkError);
    expect(error.message).toMatch(
      /^Chat2Desk POST \/v1\/messages: connection failed after the request was sent \(/,
    );
    expect(error.ambiguous).toBe(true);
    expect(req.sent()).toBe(1);
  });

  it('refuses an answer larger than 16 MB without keeping it', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    const pool = await serve((_req, res) => {
      res.writeHead(200);
      const writeMore = (left: number): void => {
        if (left === 0 || res.destroyed) return void res.end();
        if (res.write(chunk)) writeMore(left - 1);
        else res.once('drain', () => writeMore(left - 1));
      };
      writeMore(17);
    });

    const error = await exchange(pool, request()).catch((e) => e);

    expect(error).toBeInstanceOf(Chat2DeskServerError);
    expect(error.message).toBe('Chat2Desk POST /v1/messages: answer larger than 16777216 bytes');
    expect(error).toMatchObject({ httpStatus: 200, ambiguous: true });
  });
});
