// The operators' side: /v1/operators, /v1/dialogs, and script menu items sent on their behalf.

import type { ApiCaller } from '../apiCaller.js';
import { pagingQuery } from '../callSpec.js';
import type {
  CommandResult,
  Dialog,
  DialogFilters,
  ListResult,
  Operator,
  OperatorFilters,
  UpdateDialogInput,
} from '../types.js';

export function listOperators(api: ApiCaller, filters: OperatorFilters): Promise<ListResult<Operator>> {
  const query = {
    phone: filters.phone,
    email: filters.email,
    online: filters.online,
    ...pagingQuery(filters),
  };
  return api.list<Operator>({ method: 'GET', template: '/v1/operators', query });
}

export function listDialogs(api: ApiCaller, filters: DialogFilters): Promise<ListResult<Dialog>> {
  const query = { operator_id: filters.operatorId, state: filters.state, ...pagingQuery(filters) };
  return api.list<Dialog>({ method: 'GET', template: '/v1/dialogs', query });
}

export function getDialog(api: ApiCaller, id: number): Promise<Dialog> {
  return api.data<Dialog>({ method: 'GET', template: '/v1/dialogs/:id', id });
}

export function updateDialog(api: ApiCaller, id: number, input: UpdateDialogInput): Promise<Dialog> {
  const body = { operator_id: input.operatorId, state: input.state };
  return api.data<Dialog>({ method: 'PUT', template: '/v1/dialogs/:id', id, body });
}

/** A GET that sends something: `acts` says so. */
export function sendQuestion(
  api: ApiCaller,
  id: number,
  clientId: number | undefined,
): Promise<CommandResult> {
  return api.data<CommandResult>({
    method: 'GET',
    template: '/v1/questions/:id/send',
    id,
    query: { client_id: clientId },
    acts: true,
  });
}
