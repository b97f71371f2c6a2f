import { integerOption } from './args.js';

/** As the HTTP API pages (src/http/api/schemas.ts): 50 by default, at most 200 at once. */
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

/** --limit and --offset, checked as the API checks them. */
export function pagingOptions(values: { limit?: string | undefined; offset?: string | undefined }): {
  limit: number;
  offset: number;
} {
  return {
    limit: integerOption('limit', values.limit, { min: 1, max: MAX_LIMIT }) ?? DEFAULT_LIMIT,
    offset: integerOption('offset', values.offset, { min: 0, max: 2_147_483_647 }) ?? 0,
  };
}

/** The line under a page of a table: what was shown of how many, and how to see the next page. */
export function pageFooter(noun: string, page: { offset: number; shown: number; total: number }): string {
  if (page.total === 0) return `No ${noun}.`;
  if (page.shown === 0) return `None past --offset ${page.offset}: there are ${page.total} ${noun}.`;
  const last = page.offset + page.shown;
  const more = last < page.total ? ` (--offset ${last} for the next page)` : '';
  return `${page.offset + 1}–${last} of ${page.total} ${noun}${more}`;
}
