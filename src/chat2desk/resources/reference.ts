// The reference lists: /v1/help/*, regions, countries and the account's channels.

import type { ApiCaller } from '../apiCaller.js';
import { pagingQuery } from '../callSpec.js';
import type {
  ApiMode,
  Channel,
  ChannelFilters,
  Country,
  ListResult,
  Paging,
  Region,
  TransportsHelp,
} from '../types.js';

export function getRoles(api: ApiCaller): Promise<string[]> {
  return api.array<string>({ method: 'GET', template: '/v1/help/roles' });
}

export function getDialogStates(api: ApiCaller): Promise<string[]> {
  return api.array<string>({ method: 'GET', template: '/v1/help/dialog_states' });
}

export function getTransports(api: ApiCaller): Promise<TransportsHelp> {
  return api.data<TransportsHelp>({ method: 'GET', template: '/v1/help/transports' });
}

export function getApiModes(api: ApiCaller): Promise<ApiMode[]> {
  return api.array<ApiMode>({ method: 'GET', template: '/v1/help/api_modes' });
}

export function listRegions(api: ApiCaller, paging: Paging): Promise<ListResult<Region>> {
  return api.list<Region>({ method: 'GET', template: '/v1/regions', query: pagingQuery(paging) });
}

export function listCountries(api: ApiCaller, paging: Paging): Promise<ListResult<Country>> {
  return api.list<Country>({ method: 'GET', template: '/v1/countries', query: pagingQuery(paging) });
}

export function listChannels(api: ApiCaller, filters: ChannelFilters): Promise<ListResult<Channel>> {
  const query = { phone: filters.phone, ...pagingQuery(filters) };
  return api.list<Channel>({ method: 'GET', template: '/v1/channels', query });
}
