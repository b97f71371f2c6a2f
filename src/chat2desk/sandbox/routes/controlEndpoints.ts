/**
 * The sandbox's control endpoints (/sandbox/*), written down once: control.ts registers a handler for
 * each (its handler table is keyed by these, so one cannot be added without the other) and
 * `broadcaster sandbox --help` prints them.
 */
export const SANDBOX_CONTROL_ENDPOINTS = [
  {
    method: 'GET',
    path: '/sandbox/state',
    body: '?client_id=N',
    does: "clients, messages, dialogs, web hooks (one client's with client_id)",
  },
  { method: 'GET', path: '/sandbox/stats', body: '', does: 'requests and messages counted' },
  {
    method: 'POST',
    path: '/sandbox/replies',
    body: '{"phone", "text", "transport"?, "channelId"?}',
    does: 'a client writes to the business (made if new): web hook posted, GET /v1/messages lists it',
  },
  {
    method: 'POST',
    path: '/sandbox/clients/:id/reply',
    body: '{"text", "transport"?, "channelId"?}',
    does: 'the same, by the Chat2Desk client id',
  },
  {
    method: 'POST',
    path: '/sandbox/clock',
    body: '{"advanceMs": n} or {"set": ISO}',
    does: "move the sandbox's clock (when it runs on an adjustable one)",
  },
  {
    method: 'POST',
    path: '/sandbox/options',
    body: '{"requestsPerSecond", "mode", "monthlyQuota", …}',
    does: 'change settings while it runs',
  },
  {
    method: 'POST',
    path: '/sandbox/faults',
    body: '{"serverErrorRate", "latencyMs", …}',
    does: 'inject faults',
  },
  { method: 'POST', path: '/sandbox/reset', body: '', does: 'forget every client and message' },
] as const;

export type SandboxControlEndpoint = (typeof SANDBOX_CONTROL_ENDPOINTS)[number];
/** `POST /sandbox/reset`: the key of an endpoint's handler. */
export type SandboxControlKey = SandboxControlEndpoint extends infer E
  ? E extends { method: string; path: string }
    ? `${E['method']} ${E['path']}`
    : never
  : never;
