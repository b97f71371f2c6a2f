import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerOpenApiDocument } from '../../src/http/openApiDocument.js';

interface Document {
  openapi: string;
  info: { title: string; version: string };
  security: unknown[];
  components: { securitySchemes: Record<string, unknown> };
  paths: Record<string, Record<string, { security?: unknown[] }>>;
}

let app: FastifyInstance;
let document: Document;

beforeAll(async () => {
  app = Fastify();
  registerOpenApiDocument(app);
  await app.register(async (root) => {
    for (const path of [
      '/api/v1/things',
      '/healthz',
      '/metrics',
      '/',
      '/campaigns/:id',
      '/webhooks/chat2desk/:secret',
    ]) {
      root.get(path, async () => ({}));
    }
    root.get('/api/v1/open', { schema: { security: [] } }, async () => ({}));
  });
  await app.ready();
  document = app.swagger() as unknown as Document;
});
afterAll(async () => {
  await app?.close();
});

describe('registerOpenApiDocument', () => {
  it('is an OpenAPI 3.0.3 document of the broadcaster', () => {
    expect(document.openapi).toBe('3.0.3');
    expect(document.info).toMatchObject({ title: 'chat2desk-broadcaster', version: '1.0.0' });
  });

  it('lists the API and the machine paths, and leaves out pages for people and the web hook', () => {
    expect(Object.keys(document.paths).sort()).toEqual([
      '/api/v1/open',
      '/api/v1/things',
      '/healthz',
      '/metrics',
    ]);
  });

  it('asks for the bearer token everywhere unless a route says it needs none', () => {
    expect(document.components.securitySchemes).toEqual({ bearer: { type: 'http', scheme: 'bearer' } });
    expect(document.security).toEqual([{ bearer: [] }]);
    expect(document.paths['/api/v1/open']?.get?.security).toEqual([]);
    expect(document.paths['/api/v1/things']?.get?.security).toBeUndefined();
  });
});
