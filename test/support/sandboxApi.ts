import { request } from 'undici';
import { expect } from 'vitest';
import type { Sandbox } from '../../src/chat2desk/sandbox/index.js';

// biome-ignore lint/suspicious/noExplicitAny: answers are JSON, asserted field by field
export type Json = any;

/** One raw API call to a sandbox, as any HTTP client would make it. */
export async function api(
  sb: Sandbox,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = sb.token,
) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers['authorization'] = token;
  const res = await request(`${sb.url}${path}`, {
    method: method as 'GET',
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Json };
}

/** POST /v1/clients (parameters in the query string, as the manual says); returns the client id. */
export async function createClient(sb: Sandbox, phone: string, transport = 'whatsapp', channelId?: number) {
  const channel = channelId === undefined ? '' : `&channel_id=${channelId}`;
  const res = await api(sb, 'POST', `/v1/clients?phone=${phone}&transport=${transport}${channel}`);
  expect(res.status).toBe(200);
  return res.body.data.id as number;
}
