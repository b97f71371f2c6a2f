import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../../../src/chat2desk/sandbox/index.js';
import { api } from '../../../support/sandboxApi.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await startSandbox();
});
afterEach(async () => {
  await sb.close();
});

describe('POST /v1/companies/web_hook and chat_close_web_hook', () => {
  it('set each hook on its own and answer the URL', async () => {
    const set = await api(sb, 'POST', '/v1/companies/chat_close_web_hook', {
      url: 'https://example.com/closed',
    });
    expect(set.body).toEqual({ data: { url: 'https://example.com/closed' }, status: 'success' });
    expect(sb.state.company).toMatchObject({ hookUrl: null, chatCloseHookUrl: 'https://example.com/closed' });
    await api(sb, 'POST', '/v1/companies/web_hook', { url: 'http://example.com/in' });
    expect(sb.state.company).toMatchObject({
      hookUrl: 'http://example.com/in',
      chatCloseHookUrl: 'https://example.com/closed',
    });
  });

  it('remove a hook with an empty string as with null', async () => {
    await api(sb, 'POST', '/v1/companies/chat_close_web_hook', { url: 'https://example.com/closed' });
    const removed = await api(sb, 'POST', '/v1/companies/chat_close_web_hook', { url: '' });
    expect(removed.body.data).toEqual({ url: null });
    expect(sb.state.company.chatCloseHookUrl).toBeNull();
  });

  it('refuse a body without url, a url that is not a string, and a non-http URL', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, 'url: is required (null removes the hook)'],
      [{ url: 42 }, 'url: must be a string or null'],
      [{ url: 'ftp://example.com/hook' }, 'url: must be an http or https URL'],
      [{ url: '/relative' }, 'url: is not a valid URL'],
    ];
    for (const [body, message] of cases) {
      const res = await api(sb, 'POST', '/v1/companies/web_hook', body);
      expect(res.status).toBe(400);
      expect(res.body.message).toBe(message);
    }
    expect(sb.state.company.hookUrl).toBeNull();
  });
});

describe('GET /v1/companies/api_info', () => {
  it("counts itself among this month's requests and follows the mode and the hook", async () => {
    await api(sb, 'POST', '/v1/companies/web_hook', { url: 'https://example.com/in' });
    sb.setOptions({ mode: 'normal' });
    const info = await api(sb, 'GET', '/v1/companies/api_info');
    expect(info.body.data).toMatchObject({
      mode: 'normal',
      hook: 'https://example.com/in',
      requests_this_month: 2,
    });
  });

  it('counts the channels the sandbox was started with', async () => {
    await sb.close();
    sb = await startSandbox({
      channels: [{ id: 5, name: 'Only', phone: '79000000005', transports: ['sms'] }],
    });
    expect((await api(sb, 'GET', '/v1/companies/api_info')).body.data.channels).toBe(1);
  });
});
