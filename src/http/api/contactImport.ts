import type { FastifyInstance } from 'fastify';
import { importContactsCsv } from '../../contacts/importContacts.js';
import { csvBodyDocumentation, formOrQueryText, importCsvBody, registerMultipartCsv } from './csvUpload.js';
import type { ApiDeps } from './deps.js';
import { withImportLinks } from './imports.js';
import { documentedBody } from './schemas.js';

/**
 * POST /contacts/import: a contacts CSV (text/csv, or the file of a multipart form), streamed into
 * the importer; answers its ImportReport. Multipart is read in this route's scope only.
 */
export function registerContactImportRoute(api: FastifyInstance, deps: ApiDeps): void {
  void api.register(async (scope) => {
    await registerMultipartCsv(scope, deps.importBodyLimitBytes);
    registerRoute(scope, deps);
  });
}

function registerRoute(api: FastifyInstance, deps: ApiDeps): void {
  api.post<{ Querystring: { list?: string } }>(
    '/contacts/import',
    {
      schema: {
        tags: ['contacts'],
        summary: 'Import contacts from a CSV (text/csv, or a multipart/form-data file), upserting by phone',
        description:
          'Columns: phone (required), name, timezone, opted_in, opt_in_source, also under Russian and English ' +
          'names (Телефон, Имя, Часовой пояс, Согласие, Источник согласия, Phone number, Time zone); any other ' +
          'column becomes a template attribute. A bad phone rejects its row; a time zone or consent that cannot be ' +
          'read is left out with a warning. opted_in=false (нет, no, 0) withdraws a recorded consent ' +
          '(consentWithdrawn counts them), an empty cell keeps it. Sent as multipart/form-data, the first file ' +
          'part is the CSV and a list field before it stands for ?list=. The report lists the first problems; ' +
          'links.issues has all, links.rejectedRows the rejected rows as a CSV to fix and import again.',
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
      config: documentedBody(contactsBodyDocumentation, 'The contacts CSV'),
    },
    async (request) => {
      const report = await importCsvBody(request, deps.importBodyLimitBytes, (input, fields) => {
        const list = formOrQueryText(request.query.list, fields, 'list', 200);
        return importContactsCsv(deps.db.sql, input, {
          now: deps.clock.now(),
          phoneRegion: deps.phoneRegion,
          ...(deps.defaultTimezone ? { defaultTimezone: deps.defaultTimezone } : {}),
          source: 'api',
          ...(list ? { list } : {}),
        });
      });
      return withImportLinks(report);
    },
  );
}

/** The CSV body, and as a form: its file and the list its contacts join. */
const contactsBodyDocumentation = {
  ...csvBodyDocumentation,
  'multipart/form-data': {
    schema: {
      ...csvBodyDocumentation['multipart/form-data'].schema,
      properties: {
        list: {
          type: 'string',
          minLength: 1,
          maxLength: 200,
          description: 'As ?list=, sent before the file',
        },
        ...csvBodyDocumentation['multipart/form-data'].schema.properties,
      },
    },
  },
};
