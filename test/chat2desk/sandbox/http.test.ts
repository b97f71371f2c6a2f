import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiError,
  errorBody,
  readBody,
  success,
  successList,
  writeJson,
} from '../../../src/chat2desk/sandbox/http.js';

describe('ApiError', () => {
  it('invalid() is a 400 naming the field first in its message', () => {
    const error = ApiError.invalid('client_id', 'is required');
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'ApiError',
      httpStatus: 400,
      field: 'client_id',
      message: 'client_id: is required',
    });
  });

  it('notFound() is a 404 naming no field', () => {
    expect(ApiError.notFound('Client 7 not found')).toMatchObject({
      httpStatus: 404,
      field: undefined,
      message: 'Client 7 not found',
    });
  });
});

describe('answer envelopes', () => {
  it('wrap data, and a list with its meta, as a success', () => {
    expect(success({ id: 1 })).toEqual({ httpStatus: 200, body: { data: { id: 1 }, status: 'success' } });
    expect(successList([], { total: 0, limit: 20, offset: 0 })).toEqual({
      httpStatus: 200,
      body: { data: [], meta: { total: 0, limit: 20, offset: 0 }, status: 'success' },
    });
  });

  it('give an error its message, and the field’s problem under errors when it names one', () => {
    expect(errorBody(ApiError.invalid('phone', 'digits with the country code'))).toEqual({
      status: 'error',
      message: 'phone: digits with the country code',
      errors: { phone: ['digits with the country code'] },
    });
    expect(errorBody(ApiError.notFound('Page not found'))).toEqual({
      status: 'error',
      message: 'Page not found',
    });
  });
});

describe('readBody and writeJson over HTTP', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    // Echoes the body as read, or answers the ApiError readBody threw with its envelope.
    server = createServer((req, res) => {
      readBody(req).then(
        (body) => writeJson(res, 200, { read: body }),
        (error: unknown) => {
          if (!(error instanceof ApiError)) throw error;
          writeJson(res, error.httpStatus, errorBody(error));
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function post(body: string | Buffer, contentType = 'application/json') {
    const res = await request(url, { method: 'POST', headers: { 'content-type': contentType }, body });
    const text = await res.body.text();
    return {
      status: res.statusCode,
      contentType: res.headers['content-type'],
      contentLength: Number(res.headers['content-length']),
      textBytes: Buffer.byteLength(text),
      json: JSON.parse(text),
    };
  }

  it('reads a JSON object, and answers it with a content-length in bytes, not characters', async () => {
    const res = await post(JSON.stringify({ text: 'Привет 👋', client_id: 7 }));
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ read: { text: 'Привет 👋', client_id: 7 } });
    expect(res.contentType).toBe('application/json; charset=utf-8');
    expect(res.contentLength).toBe(res.textBytes);
  });

  it('reads an empty or blank body as an empty object', async () => {
    expect((await post('')).json).toEqual({ read: {} });
    expect((await post('  \n ')).json).toEqual({ read: {} });
  });

  it('reads a form when the content type says so, values as strings', async () => {
    const res = await post('client_id=7&text=a+b%26c', 'application/x-www-form-urlencoded; charset=utf-8');
    expect(res.json).toEqual({ read: { client_id: '7', text: 'a b&c' } });
  });

  it('refuses malformed JSON, and JSON that is not an object, naming the field body', async () => {
    const malformed = await post('{"text":');
    expect(malformed.status).toBe(400);
    expect(malformed.json).toEqual({
      status: 'error',
      message: 'body: is not valid JSON',
      errors: { body: ['is not valid JSON'] },
    });
    for (const notAnObject of ['[1,2]', '"text"', 'null', '42']) {
      const res = await post(notAnObject);
      expect(res.status).toBe(400);
      expect(res.json.message).toBe('body: must be a JSON object');
    }
  });

  it('reads a body of exactly 1 MiB that arrives in many chunks', async () => {
    const text = 'x'.repeat(1024 * 1024 - '{"t":""}'.length);
    const res = await post(JSON.stringify({ t: text }));
    expect(res.status).toBe(200);
    expect(res.json.read.t).toHaveLength(text.length);
  });

  it('refuses a body over 1 MiB with a 413', async () => {
    const text = 'x'.repeat(1024 * 1024 - '{"t":""}'.length + 1);
    const res = await post(JSON.stringify({ t: text }));
    expect(res.status).toBe(413);
    expect(res.json).toEqual({ status: 'error', message: 'Request body too large' });
  });
});
