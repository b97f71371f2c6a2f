import type { FastifyInstance } from 'fastify';
import {
  addListMembers,
  createList,
  deleteList,
  getList,
  getListByName,
  ListNotFoundError,
  listLists,
  listMembers,
  removeListMember,
} from '../../lists/lists.js';
import { countSegment } from '../../lists/segmentCount.js';
import { MAX_FILTER_LENGTH } from '../../lists/segmentFilter.js';
import type { ApiDeps } from './deps.js';
import { type IdParams, idParams, idSchema, type Paging, page, pagingQuery } from './schemas.js';

const TAGS = ['lists'];
const MAX_MEMBERS_PER_REQUEST = 10_000;

/** Contact lists and their members. */
export function registerListRoutes(api: FastifyInstance, deps: ApiDeps): void {
  const { db, clock } = deps;

  api.get<{ Querystring: Paging }>(
    '/lists',
    {
      schema: {
        tags: TAGS,
        summary: 'List contact lists with their member counts',
        querystring: pagingQuery,
      },
    },
    async (request) => page(await listLists(db, request.query), request.query),
  );

  api.post<{ Body: { name: string; description?: string | null } }>(
    '/lists',
    {
      schema: {
        tags: TAGS,
        summary: 'Create a list',
        description: 'A name already taken is a 409 list_exists.',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' },
            description: { type: ['string', 'null'], maxLength: 2000 },
          },
        },
      },
    },
    async (request, reply) => {
      const list = await createList(db, request.body, { now: clock.now() });
      return reply.status(201).header('location', `/api/v1/lists/${list.id}`).send(list);
    },
  );

  api.get<{ Querystring: { list?: string; where?: string } }>(
    '/segments/count',
    {
      schema: {
        tags: TAGS,
        summary: 'How many contacts a segment selects: the count a campaign with this audience would reach',
        description:
          'A segment is a list (or every contact) narrowed by a filter over contact fields, e.g. ' +
          '`city = "Moscow" and age >= 30 and consent = opted_in and not last_contacted within 7d`. ' +
          'Fields: name, phone, timezone, consent (opted_in|opted_out|none), opted_in_at, opted_out_at, ' +
          'created_at, last_contacted (within 30d), any attribute (`in backticks` with spaces). ' +
          'Operators: = != < <= > >= contains startswith in (…) is [not] empty; and, or, not, ( ). ' +
          'A filter that cannot be read is a 400 segment_filter_invalid with details.column.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            list: { type: 'string', minLength: 1, maxLength: 200 },
            where: { type: 'string', maxLength: MAX_FILTER_LENGTH },
          },
        },
      },
    },
    async (request) => {
      const { list, where } = request.query;
      const found = list === undefined ? null : await getListByName(db, list);
      if (list !== undefined && !found) throw new ListNotFoundError({ name: list });
      const counted = await countSegment(db.sql, {
        listId: found?.id ?? null,
        where: where ?? null,
        now: clock.now(),
      });
      return { list: list ?? null, where: where ?? null, ...counted };
    },
  );

  api.get<{ Params: IdParams }>(
    '/lists/:id',
    { schema: { tags: TAGS, summary: 'A list', params: idParams } },
    async (request) => {
      const list = await getList(db, request.params.id);
      if (!list) throw new ListNotFoundError({ listId: request.params.id });
      return list;
    },
  );

  api.delete<{ Params: IdParams }>(
    '/lists/:id',
    {
      schema: {
        tags: TAGS,
        summary: 'Delete a list (never its contacts)',
        description: 'A list that is the audience of a campaign is kept: 409 list_in_use.',
        params: idParams,
      },
    },
    async (request, reply) => {
      await deleteList(db, request.params.id);
      return reply.status(204).send();
    },
  );

  api.get<{ Params: IdParams; Querystring: Paging }>(
    '/lists/:id/members',
    { schema: { tags: TAGS, summary: 'Members of a list', params: idParams, querystring: pagingQuery } },
    async (request) => page(await listMembers(db, request.params.id, request.query), request.query),
  );

  api.post<{ Params: IdParams; Body: { contactIds?: number[]; phones?: string[] } }>(
    '/lists/:id/members',
    {
      schema: {
        tags: TAGS,
        summary: 'Add existing contacts to a list, by id or by phone',
        description:
          'Unknown ids and phones, and malformed phones, are reported in the answer and never block the others; ' +
          'no contact is created here.',
        params: idParams,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            contactIds: { type: 'array', maxItems: MAX_MEMBERS_PER_REQUEST, items: idSchema },
            phones: {
              type: 'array',
              maxItems: MAX_MEMBERS_PER_REQUEST,
              items: { type: 'string', maxLength: 40 },
            },
          },
        },
      },
    },
    async (request) =>
      addListMembers(db.sql, request.params.id, request.body, {
        now: clock.now(),
        phoneRegion: deps.phoneRegion,
      }),
  );

  api.delete<{ Params: IdParams & { contactId: number } }>(
    '/lists/:id/members/:contactId',
    {
      schema: {
        tags: TAGS,
        summary: 'Remove a contact from a list',
        params: {
          type: 'object',
          additionalProperties: false,
          required: ['id', 'contactId'],
          properties: { id: idSchema, contactId: idSchema },
        },
      },
    },
    async (request, reply) => {
      await removeListMember(db, request.params.id, request.params.contactId);
      return reply.status(204).send();
    },
  );
}
