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

/** POST to a control endpoint (/sandbox/…) of a sandbox reached only by URL (a process of its own). */
export async function controlSandbox(
  baseUrl: string,
  token: string,
  path: string,
  body: unknown,
): Promise<void> {
  const res = await request(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: token, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`POST ${path}: ${res.statusCode} ${text}`);
}

/** GET a control endpoint (/sandbox/state, /sandbox/stats) of a sandbox reached only by URL. */
export async function readSandbox(baseUrl: string, token: string, path: string): Promise<Json> {
  const res = await request(`${baseUrl}${path}`, { headers: { authorization: token } });
  if (res.statusCode !== 200) throw new Error(`GET ${path}: ${res.statusCode} ${await res.body.text()}`);
  return res.body.json();
}
