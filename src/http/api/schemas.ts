import type { SwaggerTransform } from '@fastify/swagger';

/**
 * JSON Schema pieces shared by the API's routes. Every object schema says `additionalProperties:
 * false`: a misspelt field is a 400 naming it, never silently ignored.
 */
export const MAX_INT32 = 2_147_483_647;
export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 50;

export const idSchema = { type: 'integer', minimum: 1, maximum: MAX_INT32 } as const;

export const idParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: idSchema },
} as const;

export interface IdParams {
  id: number;
}

export const pagingProperties = {
  limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE },
  offset: { type: 'integer', minimum: 0, maximum: MAX_INT32, default: 0 },
} as const;

export interface Paging {
  limit: number;
  offset: number;
}

export const pagingQuery = {
  type: 'object',
  additionalProperties: false,
  properties: pagingProperties,
} as const;

/** An ISO 8601 time; the route parses it (JSON has no time type). */
export const isoTimeSchema = {
  type: 'string',
  format: 'date-time',
  description: 'ISO 8601 time with an offset, e.g. 2026-11-27T10:00:00+03:00',
} as const;

/** `{ items, total, limit, offset }`: one page of a collection. */
export function page<T>(result: { items: T[]; total: number }, paging: Paging) {
  return { items: result.items, total: result.total, limit: paging.limit, offset: paging.offset };
}

/**
 * Documents a request body the route reads itself (a stream, or text validated by the domain's own
 * validator): the OpenAPI document shows it, and no JSON Schema validation runs on it.
 */
export function documentedBody(
  content: Record<string, { schema: object }>,
  description: string,
): { swaggerTransform: SwaggerTransform } {
  return {
    swaggerTransform: ({ schema, url }) => ({ schema: { ...schema, body: { description, content } }, url }),
  };
}
