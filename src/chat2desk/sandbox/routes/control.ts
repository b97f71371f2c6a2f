import { isAdjustableClock } from '../clock.js';
import { type ApiAnswer, ApiError, success } from '../http.js';
import { replyAsClient } from '../inbox.js';
import { applyAdjustableOptions, parseAdjustableOptions, parseFaultOptions } from '../options.js';
import { optionalInteger, optionalString } from '../params.js';
import type { ApiCall, RouteHandler, RouteTable } from '../router.js';
import { messageSnapshot, stateSnapshot, statsSnapshot } from '../stateViews.js';
import { SANDBOX_CONTROL_ENDPOINTS, type SandboxControlKey } from './controlEndpoints.js';

/** Each control endpoint's handler: keyed by the table, so an endpoint cannot lack one (or the help). */
const CONTROL_HANDLERS: Record<SandboxControlKey, RouteHandler> = {
  'GET /sandbox/state': (call) =>
    success(stateSnapshot(call.ctx, optionalInteger(call.query.get('client_id'), 'client_id'))),
  'GET /sandbox/stats': (call) => success(statsSnapshot(call.ctx)),
  'POST /sandbox/replies': replyFromPhone,
  'POST /sandbox/clients/:id/reply': replyFromClient,
  'POST /sandbox/clock': moveClock,
  'POST /sandbox/faults': async (call) => {
    call.ctx.faults.set(parseFaultOptions(await call.body()));
    return success(call.ctx.faults.options);
  },
  'POST /sandbox/options': async (call) => {
    applyAdjustableOptions(call.ctx.settings, parseAdjustableOptions(await call.body()));
    return success(adjustableView(call));
  },
  'POST /sandbox/reset': (call) => {
    call.ctx.state.reset();
    call.ctx.hooks.forgetMessages();
    call.ctx.rateLimiter.reset();
    return success({ reset: true });
  },
};

/**
 * /sandbox/* — for processes that cannot reach the in-memory state. Not API requests: not counted,
 * not rate limited, never faulted.
 */
export function addControlRoutes(routes: RouteTable): void {
  for (const endpoint of SANDBOX_CONTROL_ENDPOINTS) {
    const key = `${endpoint.method} ${endpoint.path}` as SandboxControlKey;
    routes.add(endpoint.method, endpoint.path, CONTROL_HANDLERS[key]);
  }
}

/**
 * {"advanceMs": n} or {"set": iso}; only when the sandbox's clock can be moved. Answers once what
 * became due for today's web hooks (retries, switch-offs, message events) has run.
 */
async function moveClock(call: ApiCall): Promise<ApiAnswer> {
  const { clock } = call.ctx;
  if (!isAdjustableClock(clock))
    throw new ApiError(400, 'clock: this sandbox runs on a clock that cannot be moved');
  const body = await call.body();
  const advanceMs = body['advanceMs'];
  const set = body['set'];
  if ((advanceMs === undefined) === (set === undefined))
    throw ApiError.invalid('advanceMs', 'give advanceMs or set');
  if (advanceMs !== undefined) {
    if (typeof advanceMs !== 'number' || !Number.isFinite(advanceMs)) {
      throw ApiError.invalid('advanceMs', 'must be a number of milliseconds');
    }
    clock.advance(advanceMs);
  } else {
    const to = typeof set === 'string' ? new Date(set) : new Date(Number.NaN);
    if (Number.isNaN(to.getTime())) throw ApiError.invalid('set', 'must be an ISO 8601 time');
    clock.set(to);
  }
  await call.ctx.hooks.runDue();
  return success({ now: clock.now().toISOString() });
}

async function replyFromClient(call: ApiCall): Promise<ApiAnswer> {
  const body = await call.body();
  const text = optionalString(body['text'], 'text');
  if (!text) throw ApiError.invalid('text', 'is required');
  const message = await replyAsClient(call.ctx, call.ids[0]!, text, {
    transport: optionalString(body['transport'], 'transport'),
    channelId: optionalInteger(body['channelId'], 'channelId'),
  });
  return success(messageSnapshot(message));
}

/** A client known by its phone (digits with the country code) writes; one not yet known is made, as on the service. */
async function replyFromPhone(call: ApiCall): Promise<ApiAnswer> {
  const body = await call.body();
  const phone = optionalString(body['phone'], 'phone');
  if (!phone) throw ApiError.invalid('phone', 'is required: digits with the country code');
  const text = optionalString(body['text'], 'text');
  if (!text) throw ApiError.invalid('text', 'is required');
  const message = await replyAsClient(call.ctx, phone, text, {
    transport: optionalString(body['transport'], 'transport'),
    channelId: optionalInteger(body['channelId'], 'channelId'),
  });
  return success(messageSnapshot(message));
}

function adjustableView(call: ApiCall) {
  const s = call.ctx.settings;
  return {
    requestsPerSecond: s.requestsPerSecond,
    messageIdInAnswer: s.messageIdInAnswer,
    clientCreationEnabled: s.clientCreationEnabled,
    whatsappEarlyMessage: s.whatsappEarlyMessage,
    monthlyQuota: s.monthlyQuota ?? null,
    mode: s.mode,
    legacyErrorsWithHttp200: s.legacyErrorsWithHttp200,
    webhooksApi: s.webhooksApi,
  };
}
