import { type ApiAnswer, ApiError, success } from '../http.js';
import { httpUrl } from '../params.js';
import type { ApiCall, RouteTable } from '../router.js';

export function addCompanyRoutes(routes: RouteTable): void {
  routes
    .add('POST', '/v1/companies/web_hook', async (call) => {
      const url = await hookUrl(call);
      call.ctx.state.company.hookUrl = url;
      return success({ url });
    })
    .add('POST', '/v1/companies/chat_close_web_hook', async (call) => {
      const url = await hookUrl(call);
      call.ctx.state.company.chatCloseHookUrl = url;
      return success({ url });
    })
    .add('GET', '/v1/companies/api_info', apiInfo);
}

function apiInfo(call: ApiCall): ApiAnswer {
  const { state, settings } = call.ctx;
  return success({
    mode: settings.mode,
    hook: state.company.hookUrl,
    current_version: 1,
    requests_this_month: state.requestsThisMonth(),
    channels: state.channels.length,
    company_name: state.company.name,
  });
}

/** {"url": "..."} sets the hook; null (or "") removes it. Any http(s) URL is accepted. */
async function hookUrl(call: ApiCall): Promise<string | null> {
  const body = await call.body();
  if (!('url' in body)) throw ApiError.invalid('url', 'is required (null removes the hook)');
  const url = body['url'];
  if (url === null || url === '') return null;
  if (typeof url !== 'string') throw ApiError.invalid('url', 'must be a string or null');
  return httpUrl(url);
}
