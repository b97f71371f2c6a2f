import type { FastifyInstance } from 'fastify';
import { importContactsCsv } from '../../contacts/importContacts.js';
import { csvBodyDocumentation, importCsvBody } from './csvUpload.js';
import type { ApiDeps } from './deps.js';
import { withImportLinks } from './imports.js';
import { documentedBody } from './schemas.js';

/** POST /contacts/import: a contacts CSV, streamed into the importer; answers its ImportReport. */
export function registerContactImportRoute(api: FastifyInstance, deps: ApiDeps): void {
  api.post<{ Querystring: { list?: string } }>(
    '/contacts/import',
    {
      schema: {
        tags: ['contacts'],
        summary: 'Import contacts from a CSV (Content-Type: text/csv), upserting by phone',
        description:
          'Columns: phone (required), name, timezone, opted_in, opt_in_source; any other column becomes a template ' +
          'attribute. A bad phone rejects its row; a time zone or consent that cannot be read is left out with a ' +
          'warning. The report lists the first problems; links.issues has all, links.rejectedRows the rejected ' +
          'rows as a CSV to fix and import again.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            list: {
              type: 'string',
              minLength: 1,
              maxLength: 200,
              description: 'Also add every imported contact to this list',
            },
          },
        },
      },
      config: documentedBody(csvBodyDocumentation, 'The contacts CSV'),
    },
    async (request) => {
      const list = request.query.list;
      const report = await importCsvBody(request, deps.importBodyLimitBytes, (input) =>
        importContactsCsv(deps.db.sql, input, {
          now: deps.clock.now(),
          phoneRegion: deps.phoneRegion,
          ...(deps.defaultTimezone ? { defaultTimezone: deps.defaultTimezone } : {}),
          source: 'api',
          ...(list ? { list } : {}),
        }),
      );
      return withImportLinks(report);
    },
  );
}
