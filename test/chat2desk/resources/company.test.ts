import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiCaller } from '../../../src/chat2desk/apiCaller.js';
import { Chat2DeskValidationError } from '../../../src/chat2desk/errors.js';
import { getApiInfo, setChatCloseWebHook, setWebHook } from '../../../src/chat2desk/resources/company.js';
import type { Sandbox } from '../../../src/chat2desk/sandbox/index.js';
import { type ResourceTestbed, startResourceTestbed } from '../../support/sandboxApi.js';

let sandbox: Sandbox;
let api: ApiCaller;
let recording: ResourceTestbed['recording'];
let closeTestbed: ResourceTestbed['close'];

beforeAll(async () => {
  ({ sandbox, api, recording, close: closeTestbed } = await startResourceTestbed());
});
afterAll(() => closeTestbed());

describe('setWebHook and setChatCloseWebHook', () => {
  it('post the URL in the body, and null to remove the hook', async () => {
    recording.answerWith({ url: null });

    await setWebHook(recording.api, 'https://engine.example/webhooks/chat2desk/abc');
    await setChatCloseWebHook(recording.api, null);

    expect(recording.requests.slice(-2)).toEqual([
      {
        method: 'POST',
        path: '/v1/companies/web_hook',
        query: {},
        body: { url: 'https://engine.example/webhooks/chat2desk/abc' },
      },
      { method: 'POST', path: '/v1/companies/chat_close_web_hook', query: {}, body: { url: null } },
    ]);
  });

  it('set the account’s web hook, which api_info then shows, and remove it', async () => {
    await setWebHook(api, 'https://engine.example/hook');
    expect((await getApiInfo(api)).hook).toBe('https://engine.example/hook');

    await setWebHook(api, null);
    expect((await getApiInfo(api)).hook).toBeNull();
  });

  it('set and remove the chat-close hook apart from the message hook', async () => {
    await setWebHook(api, 'https://engine.example/hook');
    await setChatCloseWebHook(api, 'https://engine.example/closed');
    expect(sandbox.state.company.chatCloseHookUrl).toBe('https://engine.example/closed');

    await setChatCloseWebHook(api, null);
    expect(sandbox.state.company.chatCloseHookUrl).toBeNull();
    expect(sandbox.state.company.hookUrl).toBe('https://engine.example/hook');
    await setWebHook(api, null);
  });

  it('are refused for a URL Chat2Desk cannot call, naming the endpoint', async () => {
    const error = await setChatCloseWebHook(api, 'ftp://engine.example/closed').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Chat2DeskValidationError);
    expect(error).toMatchObject({ endpoint: 'POST /v1/companies/chat_close_web_hook', ambiguous: false });
  });
});

describe('getApiInfo', () => {
  it('is a plain GET of the company’s API information', async () => {
    recording.answerWith({ mode: 'demo' });

    expect(await getApiInfo(recording.api)).toEqual({ mode: 'demo' });
    expect(recording.requests.at(-1)).toEqual({
      method: 'GET',
      path: '/v1/companies/api_info',
      query: {},
      body: undefined,
    });
  });

  it('reads the API mode, the channels and the requests made this month, itself included', async () => {
    const first = await getApiInfo(api);
    const second = await getApiInfo(api);

    expect(first).toMatchObject({
      mode: 'unlimited',
      current_version: 1,
      channels: sandbox.state.channels.length,
    });
    expect(second.requests_this_month).toBe(first.requests_this_month + 1);
  });
});
