import type { Paging } from './types.js';

export type Method = 'GET' | 'POST' | 'PUT';
export type QueryValue = string | number | boolean | Date | null | undefined;

/** One call of the API as the typed methods describe it; the caller turns it into a request. */
export interface CallSpec {
  method: Method;
  /** Path template with `:id`, e.g. `/v1/clients/:id`; the endpoint name in counts and errors. */
  template: string;
  id?: number | string;
  query?: Record<string, QueryValue>;
  body?: Record<string, unknown>;
  /** Whether the call changes something at Chat2Desk (default: every POST and PUT). */
  acts?: boolean;
}

/** `GET /v1/clients/:id`: the name a call is counted, logged and reported by. */
export function endpointOf(spec: CallSpec): string {
  return `${spec.method} ${spec.template}`;
}

/** The path and query string of a call, below the base URL's path. */
export function requestPath(spec: CallSpec): string {
  return fillTemplate(spec.template, spec.id) + queryString(spec.query);
}

export function pagingQuery(paging: Paging): Record<string, QueryValue> {
  return { limit: paging.limit, offset: paging.offset };
}

/** The API's date parameter format, `dd-mm-yyyy`, taken as a UTC calendar date. */
export function formatApiDate(date: Date): string {
  const dd = String(date.getUTCDate()).padStart(2, '0');
  const mm = String(date.getUTCMonth() + 1).padStart(2, '0');
  return `${dd}-${mm}-${date.getUTCFullYear()}`;
}

function fillTemplate(template: string, id: number | string | undefined): string {
  if (id === undefined) return template;
  return template.replace(':id', encodeURIComponent(String(id)));
}

function queryString(query: Record<string, QueryValue> | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    params.append(name, value instanceof Date ? formatApiDate(value) : String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
