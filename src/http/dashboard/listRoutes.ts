import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import { createList, getListByName, ListExistsError, listLists } from '../../lists/lists.js';
import { countSegment } from '../../lists/segmentCount.js';
import { SegmentFilterError } from '../../lists/segmentFilter.js';
import type { SafeHtml } from './html.js';
import { type ListsPageInput, listsPage } from './listPages.js';
import type { ConsoleGates } from './routeContext.js';
import type { Session } from './session.js';

const PAGE_SIZE = 50;

export interface ListRouteContext
  extends Pick<ConsoleGates, 'pageSession' | 'changeSession' | 'csrfToken' | 'uiOf'> {
  db: Database;
  clock: Clock;
  send(
    reply: FastifyReply,
    request: FastifyRequest,
    status: number,
    title: string,
    body: SafeHtml,
    session: Session,
  ): FastifyReply;
}

/** Lists and segments: every list with its size, a list made, and a segment counted. */
export function registerListPages(scope: FastifyInstance, ctx: ListRouteContext): void {
  async function render(
    request: FastifyRequest,
    reply: FastifyReply,
    session: Session,
    options: { page: number; list: string; where: string; createError?: string; status?: number },
  ): Promise<FastifyReply> {
    const ui = ctx.uiOf(request);
    const lists = await listLists(ctx.db, { limit: PAGE_SIZE, offset: (options.page - 1) * PAGE_SIZE });
    const segment: ListsPageInput['segment'] = { list: options.list, where: options.where };
    if (options.list !== '' || options.where.trim() !== '') {
      const named = options.list === '' ? undefined : await getListByName(ctx.db, options.list);
      if (options.list !== '' && !named) segment.error = `no contact list named "${options.list}"`;
      else {
        try {
          segment.count = await countSegment(ctx.db.sql, {
            listId: named?.id ?? null,
            where: options.where,
            now: ctx.clock.now(),
          });
        } catch (error) {
          if (!(error instanceof SegmentFilterError)) throw error;
          segment.error = error.message;
        }
      }
    }
    const body = listsPage(ui, {
      ...lists,
      page: options.page,
      pageSize: PAGE_SIZE,
      csrf: session.role === 'admin' ? ctx.csrfToken(session) : undefined,
      segment,
      ...(options.createError ? { createError: options.createError } : {}),
    });
    return ctx.send(
      reply,
      request,
      options.status ?? (segment.error ? 400 : 200),
      ui.t('lists.title'),
      body,
      session,
    );
  }

  scope.get<{ Querystring: { page?: number; list?: string; where?: string } }>(
    '/lists',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            page: { type: 'integer', minimum: 1, maximum: 100_000 },
            list: { type: 'string', maxLength: 200 },
            where: { type: 'string', maxLength: 4000 },
          },
        },
      },
    },
    async (request, reply) => {
      const session = await ctx.pageSession(request, reply);
      if (session === null) return reply;
      const { page = 1, list = '', where = '' } = request.query;
      return render(request, reply, session, { page, list, where });
    },
  );

  scope.post('/lists', async (request, reply) => {
    const session = await ctx.changeSession(request, reply);
    if (session === null) return reply;
    const body = request.body instanceof URLSearchParams ? request.body : new URLSearchParams();
    const name = (body.get('name') ?? '').trim().slice(0, 200);
    const description = (body.get('description') ?? '').trim().slice(0, 2000);
    if (name === '') {
      return render(request, reply, session, {
        page: 1,
        list: '',
        where: '',
        createError: ctx.uiOf(request).t('lists.nameNeeded'),
        status: 422,
      });
    }
    try {
      await createList(ctx.db, { name, description: description || null }, { now: ctx.clock.now() });
    } catch (error) {
      if (!(error instanceof ListExistsError)) throw error;
      return render(request, reply, session, {
        page: 1,
        list: '',
        where: '',
        createError: error.message,
        status: 409,
      });
    }
    return reply.redirect('/lists', 303);
  });
}
