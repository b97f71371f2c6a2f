import { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { listAppointments } from '../../appointments/appointments.js';
import type { Clock } from '../../clock.js';
import { contactDeliveries } from '../../contacts/contactDeliveries.js';
import { ContactNotFoundError, getContact, listContacts } from '../../contacts/contacts.js';
import { importContactsCsv } from '../../contacts/importContacts.js';
import { getImport, listImportIssues, rejectedRowsCsv } from '../../contacts/importQueries.js';
import type { Database } from '../../db/database.js';
import type { PhoneRegion } from '../../phones/phone.js';
import { ConsoleUploads } from './consoleUploads.js';
import {
  IMPORT_TARGETS,
  type ImportTarget,
  importResultPage,
  mappingPage,
  uploadPage,
} from './contactImportPages.js';
import { contactListPage, contactPage } from './contactPages.js';
import type { SafeHtml } from './html.js';
import type { ConsoleGates } from './routeContext.js';
import { ID_PARAMS, PAGE_QUERY } from './routeSchemas.js';
import type { Session } from './session.js';

const PAGE_SIZE = 50;
const ISSUES_SHOWN = 50;
/** A running import's page reloads itself this often. */
const IMPORT_REFRESH_SECONDS = 2;

export interface ContactRouteContext extends ConsoleGates {
  db: Database;
  clock: Clock;
  phoneRegion: PhoneRegion;
  defaultTimezone?: string | undefined;
  /** The largest CSV an upload may be (the API's import limit). */
  importLimitBytes: number;
  uploads?: ConsoleUploads;
  /** Whether `token` is the CSRF token of the session (a multipart form's, read from its parts). */
  isCsrf(session: Session, token: string | undefined): boolean;
  /** Answers 403 for a form that is not the dashboard's own; returns null. */
  refuseForm(request: FastifyRequest, reply: FastifyReply): null;
  send(
    reply: FastifyReply,
    request: FastifyRequest,
    status: number,
    title: string,
    body: SafeHtml,
    session: Session,
    options?: { refreshSeconds?: number },
  ): FastifyReply;
}

function field(request: FastifyRequest, name: string): string {
  return request.body instanceof URLSearchParams ? (request.body.get(name) ?? '') : '';
}

/**
 * Contacts in the console: search (/contacts), a contact's page, and the CSV import — upload, a
 * preview of the first rows with each column's field picked (guessed from its name), then the import
 * streamed from the uploaded file while its page shows the counts, and its rejected rows to download.
 */
export function registerContactPages(scope: FastifyInstance, ctx: ContactRouteContext): void {
  const uploads = ctx.uploads ?? new ConsoleUploads();
  // Multipart bodies in this scope only (the file upload); one file, no larger than an import may be.
  void scope.register(multipart, {
    limits: { files: 1, fields: 10, fileSize: ctx.importLimitBytes, parts: 12 },
  });

  scope.get<{ Querystring: { q?: string; list?: string; page?: number } }>(
    '/contacts',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: {
            q: { type: 'string', maxLength: 200 },
            list: { type: 'string', maxLength: 200 },
            page: PAGE_QUERY.properties.page,
          },
        },
      },
    },
    async (request, reply) => {
      const session = await ctx.pageSession(request, reply);
      if (session === null) return reply;
      const ui = ctx.uiOf(request);
      const q = request.query.q?.trim() ?? '';
      const page = request.query.page ?? 1;
      const list = request.query.list?.trim() || undefined;
      const found = await listContacts(ctx.db, {
        ...(q === '' ? {} : { search: q }),
        ...(list === undefined ? {} : { list }),
        phoneRegion: ctx.phoneRegion,
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
      });
      const body = contactListPage(ui, {
        q,
        list,
        ...found,
        page,
        pageSize: PAGE_SIZE,
        canImport: session.role === 'admin',
      });
      return ctx.send(reply, request, 200, ui.t('contact.title'), body, session);
    },
  );

  scope.get<{ Params: { id: number }; Querystring: { page?: number } }>(
    '/contacts/:id',
    { schema: { params: ID_PARAMS, querystring: PAGE_QUERY } },
    async (request, reply) => {
      const session = await ctx.pageSession(request, reply);
      if (session === null) return reply;
      const ui = ctx.uiOf(request);
      const contact = await getContact(ctx.db, request.params.id);
      if (!contact) throw new ContactNotFoundError({ contactId: request.params.id });
      const page = request.query.page ?? 1;
      const [deliveries, appointments] = await Promise.all([
        contactDeliveries(ctx.db.sql, contact.id, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
        listAppointments(ctx.db, { contactId: contact.id, limit: 20, offset: 0 }),
      ]);
      const body = contactPage(ui, {
        contact,
        deliveries,
        page,
        pageSize: PAGE_SIZE,
        appointments: appointments.items,
      });
      return ctx.send(reply, request, 200, `+${contact.phone}`, body, session);
    },
  );

  scope.get('/contacts/import', async (request, reply) => {
    const session = await ctx.adminPageSession(request, reply);
    if (session === null) return reply;
    const ui = ctx.uiOf(request);
    return ctx.send(
      reply,
      request,
      200,
      ui.t('upload.title'),
      uploadPage(ui, { csrf: ctx.csrfToken(session) }),
      session,
    );
  });

  scope.post('/contacts/import', async (request, reply) => {
    const session = await ctx.adminPageSession(request, reply);
    if (session === null) return reply;
    const ui = ctx.uiOf(request);
    if (!request.isMultipart()) {
      const body = uploadPage(ui, { csrf: ctx.csrfToken(session), error: ui.t('upload.file') });
      return ctx.send(reply, request, 415, ui.t('upload.title'), body, session);
    }
    // The form puts its CSRF token before the file: the file is kept only when the token came first.
    let csrf: string | undefined;
    let uploadId: string | undefined;
    let fileName = 'contacts.csv';
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (part.fieldname === 'csrf') csrf = String(part.value);
        continue;
      }
      if (!ctx.isCsrf(session, csrf)) {
        part.file.resume();
        continue;
      }
      fileName = part.filename || fileName;
      uploadId = await uploads.save(part.file);
      if (part.file.truncated) {
        await uploads.forget(uploadId);
        uploadId = undefined;
      }
    }
    if (!ctx.isCsrf(session, csrf)) {
      if (uploadId) await uploads.forget(uploadId);
      return ctx.refuseForm(request, reply);
    }
    if (uploadId === undefined) {
      const body = uploadPage(ui, { csrf: ctx.csrfToken(session), error: ui.t('upload.file') });
      return ctx.send(reply, request, 400, ui.t('upload.title'), body, session);
    }
    return reply.redirect(
      `/contacts/import/${uploadId}?name=${encodeURIComponent(fileName.slice(0, 200))}`,
      303,
    );
  });

  scope.get<{ Params: { upload: string }; Querystring: { name?: string } }>(
    '/contacts/import/:upload',
    {
      schema: {
        params: { type: 'object', properties: { upload: { type: 'string', pattern: '^[0-9a-f]{32}$' } } },
        querystring: { type: 'object', properties: { name: { type: 'string', maxLength: 200 } } },
      },
    },
    async (request, reply) => {
      const session = await ctx.adminPageSession(request, reply);
      if (session === null) return reply;
      const ui = ctx.uiOf(request);
      const preview = await uploads.preview(request.params.upload);
      if (!preview) {
        const body = uploadPage(ui, { csrf: ctx.csrfToken(session), error: ui.t('upload.gone') });
        return ctx.send(reply, request, 404, ui.t('upload.title'), body, session);
      }
      const body = mappingPage(ui, {
        csrf: ctx.csrfToken(session),
        uploadId: request.params.upload,
        fileName: request.query.name ?? 'contacts.csv',
        preview,
      });
      return ctx.send(reply, request, 200, ui.t('upload.title'), body, session);
    },
  );

  scope.post<{ Params: { upload: string } }>(
    '/contacts/import/:upload',
    {
      schema: {
        params: { type: 'object', properties: { upload: { type: 'string', pattern: '^[0-9a-f]{32}$' } } },
      },
    },
    async (request, reply) => {
      const session = await ctx.changeSession(request, reply);
      if (session === null) return reply;
      const ui = ctx.uiOf(request);
      const uploadId = request.params.upload;
      const preview = await uploads.preview(uploadId);
      const input = await uploads.open(uploadId);
      if (!preview || !input) {
        const body = uploadPage(ui, { csrf: ctx.csrfToken(session), error: ui.t('upload.gone') });
        return ctx.send(reply, request, 404, ui.t('upload.title'), body, session);
      }
      // Each column's field; an attribute keeps the column's own name.
      const rename: Record<string, string> = {};
      const taken = new Map<ImportTarget, string>();
      let problem: string | undefined;
      preview.header.forEach((column, i) => {
        const chosen = field(request, `col${i}`) as ImportTarget;
        const target: ImportTarget = IMPORT_TARGETS.includes(chosen) ? chosen : 'attribute';
        if (target === 'attribute') return;
        if (taken.has(target))
          problem = ui.t('upload.duplicate', { target: ui.t(`upload.target.${target}`) });
        taken.set(target, column);
        rename[column] = target;
      });
      if (!taken.has('phone')) problem ??= ui.t('upload.noPhone');
      // A column named like a field but picked as an attribute must not be read as that field.
      for (const column of preview.header)
        if (!(column in rename) && (IMPORT_TARGETS as readonly string[]).includes(column))
          rename[column] = `${column}_attribute`;
      const list = field(request, 'list').trim();
      if (problem !== undefined) {
        input.destroy();
        const body = mappingPage(ui, {
          csrf: ctx.csrfToken(session),
          uploadId,
          fileName: 'CSV',
          preview,
          error: problem,
          list,
        });
        return ctx.send(reply, request, 422, ui.t('upload.title'), body, session);
      }
      let started: (id: number) => void = () => {};
      const startedId = new Promise<number>((resolve) => {
        started = resolve;
      });
      const running = importContactsCsv(ctx.db.sql, Readable.from(input), {
        now: ctx.clock.now(),
        phoneRegion: ctx.phoneRegion,
        ...(ctx.defaultTimezone ? { defaultTimezone: ctx.defaultTimezone } : {}),
        source: 'console',
        ...(list ? { list } : {}),
        renameColumns: rename,
        onStart: started,
      }).finally(() => uploads.forget(uploadId));
      // The import goes on after this answer; its record says how far it got (and why it stopped).
      running.catch((error: unknown) => request.log.warn({ err: error }, 'console import stopped'));
      const importId = await Promise.race([startedId, running.then((report) => report.importId)]);
      return reply.redirect(`/contacts/imports/${importId}`, 303);
    },
  );

  scope.get<{ Params: { id: number } }>(
    '/contacts/imports/:id',
    { schema: { params: ID_PARAMS } },
    async (request, reply) => {
      const session = await ctx.pageSession(request, reply);
      if (session === null) return reply;
      const ui = ctx.uiOf(request);
      const record = await getImport(ctx.db.sql, request.params.id);
      const issues = await listImportIssues(ctx.db.sql, record.id, { limit: ISSUES_SHOWN, offset: 0 });
      const body = importResultPage(ui, record, issues.items);
      return ctx.send(reply, request, 200, ui.t('upload.title'), body, session, {
        ...(record.status === 'running' ? { refreshSeconds: IMPORT_REFRESH_SECONDS } : {}),
      });
    },
  );

  scope.get<{ Params: { id: number } }>(
    '/contacts/imports/:id/rejects.csv',
    { schema: { params: ID_PARAMS } },
    async (request, reply) => {
      const session = await ctx.pageSession(request, reply);
      if (session === null) return reply;
      const { id } = request.params;
      await getImport(ctx.db.sql, id);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="import-${id}-rejected-rows.csv"`)
        .send(Readable.from(rejectedRowsCsv(ctx.db.sql, id)));
    },
  );
}
