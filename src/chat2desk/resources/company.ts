// /v1/companies: the account's API information and its v1.08 single web hooks.

import type { ApiCaller } from '../apiCaller.js';
import type { ApiInfo, CommandResult } from '../types.js';

export function setWebHook(api: ApiCaller, url: string | null): Promise<CommandResult> {
  return api.data<CommandResult>({ method: 'POST', template: '/v1/companies/web_hook', body: { url } });
}

export function setChatCloseWebHook(api: ApiCaller, url: string | null): Promise<CommandResult> {
  return api.data<CommandResult>({
    method: 'POST',
    template: '/v1/companies/chat_close_web_hook',
    body: { url },
  });
}

export function getApiInfo(api: ApiCaller): Promise<ApiInfo> {
  return api.data<ApiInfo>({ method: 'GET', template: '/v1/companies/api_info' });
}
