import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import {
  deleteImport,
  getImport,
  listImportIssues,
  listImports,
  rejectedRowsCsv,
} from '../../contacts/importQueries.js';
import type { ImportIssueKind, ImportKind } from '../../contacts/importRecord.js';
import type { ImportReport } from '../../contacts/importReport.js';
import type { ApiDeps } from './deps.js';
import { type IdParams, idParams, type Paging, page, pagingProperties } from './schemas.js';

const TAGS = ['imports'];

/** Where an import's full record lives, added to the report an import route answers. */
export function withImportLinks(report: ImportReport) {
  const base = `/api/v1/imports/${report.importId}`;
  return {
    ...report,
    links: { import: base, issues: `${base}/issues`, rejectedRows: `${base}/rejects.csv` },
  };
}

/**
 * CSV imports as records: what each did, every problem it found (a report lists the first ones, this
 * keeps all) and its rejected rows as a CSV to fix and import again.
 */
export function registerImportRoutes(api: FastifyInstance, deps: ApiDeps): void {
  const { sql } = deps.db;

  api.get<{ Querystring: Paging & { kind?: ImportKind } }>(
    '/imports',
    {
      schema: {
        tags: TAGS,
        summary: 'CSV imports, the most recent first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...pagingProperties, kind: { type: 'string', enum: ['contacts', 'appointments'] } },
        },
      },
    },
    async (request) => {
      const { limit, offset, kind } = request.query;
      return page(await listImports(sql, { limit, offset, ...(kind ? { kind } : {}) }), { limit, offset });
    },
  );

  api.get<{ Params: IdParams }>(
    '/imports/:id',
    { schema: { tags: TAGS, summary: 'One import: its counts and status', params: idParams } },
    async (request) => getImport(sql, request.params.id),
  );

  api.get<{ Params: IdParams; Querystring: Paging & { kind?: ImportIssueKind } }>(
    '/imports/:id/issues',
    {
      schema: {
        tags: TAGS,
        summary:
          "Every problem an import found, in line order: rejected rows' cells, warnings, repeated keys",
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...pagingProperties,
            kind: { type: 'string', enum: ['rejected', 'warning', 'repeated'] },
          },
        },
      },
    },
    async (request) => {
      const { limit, offset, kind } = request.query;
      const issues = await listImportIssues(sql, request.params.id, {
        limit,
        offset,
        ...(kind ? { kind } : {}),
      });
      return page(issues, { limit, offset });
    },
  );

  api.get<{ Params: IdParams }>(
    '/imports/:id/rejects.csv',
    {
      schema: {
        tags: TAGS,
        summary:
          "The rejected rows as a CSV (rejected_line, rejected_reason, then the file's columns), to fix and import again",
        params: idParams,
        produces: ['text/csv'],
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      // A missing import is a 404 before any line of the answer is sent.
      await getImport(sql, id);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="import-${id}-rejected-rows.csv"`)
        .send(Readable.from(rejectedRowsCsv(sql, id)));
    },
  );

  api.delete<{ Params: IdParams }>(
    '/imports/:id',
    {
      schema: {
        tags: TAGS,
        summary: "Delete an import's record, problems and rejected rows (what it imported stays)",
        params: idParams,
      },
    },
    async (request, reply) => {
      await deleteImport(sql, request.params.id);
      return reply.status(204).send();
    },
  );
}
