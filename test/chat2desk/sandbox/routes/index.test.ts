import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../../../src/chat2desk/sandbox/index.js';
import { apiRoutes, controlRoutes } from '../../../../src/chat2desk/sandbox/routes/index.js';
import { api, createClient } from '../../../support/sandboxApi.js';

/** Every command of the Chat2Desk API manual v1.08, as method and path template. */
const MANUAL_V108: ReadonlyArray<readonly [string, string]> = [
  ['GET', '/v1/messages'],
  ['POST', '/v1/messages'],
  ['GET', '/v1/messages/:id'],
  ['POST', '/v1/messages/inbox'],
  ['POST', '/v1/messages/:id/assign'],
  ['GET', '/v1/messages/:id/read'],
  ['GET', '/v1/messages/:id/unread'],
  ['GET', '/v1/clients'],
  ['POST', '/v1/clients'],
  ['GET', '/v1/clients/:id'],
  ['PUT', '/v1/clients/:id'],
  ['GET', '/v1/clients/:id/transport'],
  ['GET', '/v1/clients/:id/last_question'],
  ['GET', '/v1/clients/:id/dialogs'],
  ['GET', '/v1/clients/:id/questions'],
  ['POST', '/v1/companies/web_hook'],
  ['POST', '/v1/companies/chat_close_web_hook'],
  ['GET', '/v1/companies/api_info'],
  ['GET', '/v1/dialogs'],
  ['GET', '/v1/dialogs/:id'],
  ['PUT', '/v1/dialogs/:id'],
  ['GET', '/v1/operators'],
  ['GET', '/v1/channels'],
  ['GET', '/v1/regions'],
  ['GET', '/v1/countries'],
  ['GET', '/v1/help/roles'],
  ['GET', '/v1/help/dialog_states'],
  ['GET', '/v1/help/transports'],
  ['GET', '/v1/help/api_modes'],
  ['GET', '/v1/questions/:id/send'],
  ['GET', '/gateway/delete_outbox'],
];
const WEBHOOKS_API = [
  ['GET', '/v1/webhooks'],
  ['POST', '/v1/webhooks'],
  ['PUT', '/v1/webhooks/:id'],
] as const;

describe('apiRoutes', () => {
  it('holds a handler for every command of manual v1.08 and for /v1/webhooks', () => {
    const routes = apiRoutes();
    const missing = [...MANUAL_V108, ...WEBHOOKS_API].filter(
      ([method, shape]) => !routes.find(method, shape),
    );
    expect(missing).toEqual([]);
  });

  it('keeps the control endpoints out of the API, and the API out of the control table', () => {
    expect(apiRoutes().find('GET', '/sandbox/state')).toBeUndefined();
    expect(controlRoutes().find('GET', '/sandbox/state')).toBeDefined();
    expect(controlRoutes().find('GET', '/v1/messages')).toBeUndefined();
  });

  it('builds a fresh table each time', () => {
    expect(apiRoutes()).not.toBe(apiRoutes());
  });
});

describe('the sandbox over HTTP', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await startSandbox();
  });
  afterEach(async () => {
    await sb.close();
  });

  it('answers every command of manual v1.08 with something other than 404', async () => {
    const clientId = await createClient(sb, '79310001122', 'sms');
    await sb.clientReply(clientId, 'hello');
    const sent = await api(sb, 'POST', '/v1/messages', { client_id: clientId, text: 'hi' });
    const ids: Record<string, number> = {
      messages: sent.body.data.message_id,
      clients: clientId,
      dialogs: sent.body.data.dialog_id,
      questions: 4321,
    };
    const bodies: Record<string, unknown> = {
      'POST /v1/messages': { client_id: clientId, text: 'again' },
      'POST /v1/messages/:id/assign': { operator_id: 2 },
      'PUT /v1/clients/:id': { comment: 'x' },
      'POST /v1/companies/web_hook': { url: null },
      'POST /v1/companies/chat_close_web_hook': { url: null },
      'PUT /v1/dialogs/:id': { operator_id: 3 },
    };
    const queries: Record<string, string> = {
      'POST /v1/clients': '?phone=79310001199&transport=sms',
      'GET /v1/questions/:id/send': `?client_id=${clientId}`,
    };
    const answers: Array<[string, number]> = [];
    for (const [method, template] of MANUAL_V108) {
      const resource = template.split('/')[2]!;
      const path = template.replace(':id', String(ids[resource]));
      const key = `${method} ${template}`;
      const res = await api(sb, method, `${path}${queries[key] ?? ''}`, bodies[key]);
      answers.push([key, res.status]);
    }
    expect(answers.filter(([, status]) => status === 404)).toEqual([]);
    // The two refusals are about the data (no external channel; a message inside an open dialog).
    expect(answers.filter(([, status]) => status !== 200)).toEqual([
      ['POST /v1/messages/inbox', 400],
      ['POST /v1/messages/:id/assign', 400],
    ]);
  });

  it('answers a known path with another method as "Page not found"', async () => {
    for (const [method, path] of [
      ['DELETE', '/v1/clients'],
      ['PUT', '/v1/messages'],
      ['POST', '/v1/help/roles'],
    ] as const) {
      expect((await api(sb, method, path)).body).toEqual({ status: 'error', message: 'Page not found' });
    }
  });
});
