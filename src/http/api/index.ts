import type { FastifyInstance } from 'fastify';
import { requireBearerToken } from '../auth.js';
import { HttpError } from '../errors.js';
import { registerAppointmentRoutes } from './appointments.js';
import { registerCampaignActionRoutes } from './campaignActions.js';
import { registerCampaignRoutes } from './campaigns.js';
import { registerContactImportRoute } from './contactImport.js';
import { registerContactRoutes } from './contacts.js';
import { registerCsvBodyParser } from './csvUpload.js';
import type { ApiDeps } from './deps.js';
import { registerImportRoutes } from './imports.js';
import { registerListRoutes } from './lists.js';
import { registerReportRoutes } from './reports.js';

export type { ApiDeps } from './deps.js';

export const API_PREFIX = '/api/v1';

const YAML_CONTENT_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];

/**
 * The JSON API under /api/v1, behind the bearer token. Must be registered after @fastify/swagger,
 * whose document (GET /api/v1/openapi.json) is generated from these routes' schemas.
 */
export function registerApi(app: FastifyInstance, deps: ApiDeps): void {
  void app.register(
    async (api) => {
      await deps.authAttempts.attach(api);
      api.addHook(
        'onRequest',
        requireBearerToken({ apiToken: deps.apiToken, viewerToken: deps.viewerToken }, deps.authAttempts),
      );
      // A campaign may be written in YAML: kept as text for parseCampaignText, which knows its lines.
      api.addContentTypeParser(YAML_CONTENT_TYPES, { parseAs: 'string' }, (_request, body, done) =>
        (body as string).includes('\u0000')
          ? done(new HttpError(400, 'invalid_text', 'body: contains a NUL character (U+0000)'), undefined)
          : done(null, body),
      );
      registerCsvBodyParser(api);

      api.get(
        '/openapi.json',
        { schema: { tags: ['meta'], summary: 'This document: OpenAPI 3, generated from the route schemas' } },
        async () => app.swagger(),
      );
      registerCampaignRoutes(api, deps);
      registerCampaignActionRoutes(api, deps);
      registerReportRoutes(api, deps);
      registerContactRoutes(api, deps);
      registerContactImportRoute(api, deps);
      registerListRoutes(api, deps);
      registerAppointmentRoutes(api, deps);
      registerImportRoutes(api, deps);
    },
    { prefix: API_PREFIX },
  );
}
