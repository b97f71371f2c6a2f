import { type ApiAnswer, ApiError, success, successList } from '../http.js';
import { optionalBoolean, page, readPaging } from '../params.js';
import {
  API_MODE_DESCRIPTIONS,
  COUNTRIES,
  DIALOG_STATES,
  REGIONS,
  ROLES,
  TRANSPORT_MEDIA,
} from '../referenceData.js';
import type { ApiCall, RouteTable } from '../router.js';
import { operatorItem } from '../views.js';

/** Operators, channels and the fixed reference lists. */
export function addDirectoryRoutes(routes: RouteTable): void {
  routes
    .add('GET', '/v1/operators', listOperators)
    .add('GET', '/v1/channels', listChannels)
    .add('GET', '/v1/regions', (call) => pagedList(call, REGIONS))
    .add('GET', '/v1/countries', (call) =>
      pagedList(
        call,
        COUNTRIES.map(({ id, name }) => ({ id, name })),
      ),
    )
    .add('GET', '/v1/help/roles', () => success(ROLES))
    .add('GET', '/v1/help/dialog_states', () => success(DIALOG_STATES))
    .add('GET', '/v1/help/transports', () => success(TRANSPORT_MEDIA))
    .add('GET', '/v1/help/api_modes', () => success(API_MODE_DESCRIPTIONS));
}

function listOperators(call: ApiCall): ApiAnswer {
  const phone = call.query.get('phone') || undefined;
  const email = call.query.get('email') || undefined;
  const online = optionalBoolean(call.query.get('online'), 'online');
  const matched = call.ctx.state.operators.filter(
    (o) =>
      (phone === undefined || o.phone === phone.replace(/\D/g, '')) &&
      (email === undefined || o.email.toLowerCase() === email.toLowerCase()) &&
      (online === undefined || o.online === online),
  );
  return pagedList(call, matched.map(operatorItem));
}

function listChannels(call: ApiCall): ApiAnswer {
  const phone = call.query.get('phone');
  if (phone !== null && !/^\+?\d*$/.test(phone.trim())) throw ApiError.invalid('phone', 'digits only');
  const digits = phone?.replace(/\D/g, '');
  const matched = call.ctx.state.channels.filter((c) => !digits || c.phone === digits);
  return pagedList(
    call,
    matched.map((c) => ({ id: c.id, name: c.name, phone: c.phone, transports: [...c.transports] })),
  );
}

function pagedList(call: ApiCall, all: readonly unknown[]): ApiAnswer {
  const paging = readPaging(call.query);
  return successList(page(all, paging), { total: all.length, ...paging });
}
