import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { API_PREFIX } from './api/index.js';

/** Routes outside /api/v1 that scripts use, and so belong in the OpenAPI document. */
const MACHINE_PATHS = ['/healthz', '/metrics'];

/**
 * The OpenAPI document of the machine interfaces; the dashboard's pages are for people and stay out.
 * Must be registered before the routes it describes.
 */
export function registerOpenApiDocument(app: FastifyInstance): void {
  void app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'chat2desk-broadcaster',
        description:
          'Scheduled broadcasts and reminders through Chat2Desk. Errors: {"error": {code, message, details}}.',
        version: '1.0.0',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: ({ schema, url }) => ({
      schema:
        url.startsWith(`${API_PREFIX}/`) || MACHINE_PATHS.includes(url) ? schema : { ...schema, hide: true },
      url,
    }),
  });
}
