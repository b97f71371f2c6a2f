import { ApiError } from './http.js';
import { parseApiDay } from './time.js';

/** Parsing of query and body parameters; each failure is a 400 naming the field. */

/** An id or count given as a JSON number or a digit string (the manual's own examples use both). */
export function optionalInteger(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  throw ApiError.invalid(field, 'must be a non-negative integer');
}

export function requiredInteger(value: unknown, field: string): number {
  const parsed = optionalInteger(value, field);
  if (parsed === undefined) throw ApiError.invalid(field, 'is required');
  return parsed;
}

export function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw ApiError.invalid(field, 'must be a string');
  return value;
}

/** Like optionalString, but an explicit null stays null (the field is cleared). */
export function nullableString(value: unknown, field: string): string | null | undefined {
  if (value === null) return null;
  return optionalString(value, field);
}

/** true/false/1/0, as the service takes `read` and `online`. */
export function optionalBoolean(value: string | null, field: string): boolean | undefined {
  if (value === null || value === '') return undefined;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw ApiError.invalid(field, 'must be true or false');
}

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 200;

export interface Paging {
  limit: number;
  offset: number;
}

/** limit (default 20, capped at 200) and offset (default 0). */
export function readPaging(query: URLSearchParams): Paging {
  const limit = optionalInteger(query.get('limit'), 'limit') ?? DEFAULT_LIMIT;
  const offset = optionalInteger(query.get('offset'), 'offset') ?? 0;
  return { limit: Math.min(limit, MAX_LIMIT), offset };
}

export function page<T>(items: readonly T[], paging: Paging): T[] {
  return items.slice(paging.offset, paging.offset + paging.limit);
}

/** A whole UTC day given as dd-mm-yyyy (start_date, finish_date). */
export function dayParam(
  query: URLSearchParams,
  field: string,
): { startMs: number; endMs: number } | undefined {
  const value = query.get(field);
  if (value === null || value === '') return undefined;
  const day = parseApiDay(value);
  if (!day) throw ApiError.invalid(field, 'must be a date as dd-mm-yyyy');
  return day;
}

/** A web hook's address: an absolute http(s) URL, refused as the field `url` otherwise. */
export function httpUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw ApiError.invalid('url', 'is not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw ApiError.invalid('url', 'must be an http or https URL');
  }
  return url;
}
