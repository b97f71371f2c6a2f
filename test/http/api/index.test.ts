import { describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../../src/http/api/index.js';
import { useApiServerOnTestDatabase } from '../apiServer.js';

const { db, server } = useApiServerOnTestDatabase();

function yamlCampaign(name: string): string {
  return `name: ${name}\nkind: broadcast\ntransport: sms\ntemplate: Hi\naudience: { all: true }\ndraft: true\nschedule: { at: "2026-12-01T10:00:00Z" }\n`;
}

describe('registerApi', () => {
  it('serves the API under /api/v1 and nowhere else', async () => {
    expect(API_PREFIX).toBe('/api/v1');
    expect((await server.call('GET', '/api/v1/campaigns')).status).toBe(200);
    const bare = await server.call<{ error: { code: string } }>('GET', '/campaigns');
    expect(bare.status).toBe(404);
    expect(bare.body.error.code).toBe('not_found');
  });

  it('keeps its OpenAPI document behind the bearer token too', async () => {
    expect((await server.call('GET', '/api/v1/openapi.json', { token: null })).status).toBe(401);
    expect((await server.call('GET', '/api/v1/openapi.json')).status).toBe(200);
  });

  it('reads a campaign under each YAML content type', async () => {
    for (const type of ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml']) {
      const answer = await server.call<{ name: string }>('POST', '/api/v1/campaigns', {
        body: yamlCampaign(`YAML as ${type}`),
        contentType: type,
      });
      expect(answer.status, type).toBe(201);
      expect(answer.body.name).toBe(`YAML as ${type}`);
    }
  });

  it('reads an import under application/csv as under text/csv', async () => {
    const answer = await server.call<{ inserted: number }>('POST', '/api/v1/contacts/import', {
      body: 'phone\n79008000001\n',
      contentType: 'application/csv',
    });
    expect(answer.status).toBe(200);
    expect(answer.body.inserted).toBe(1);
  });

  it('asks for the token before it reads the body', async () => {
    const answer = await server.call<{ error: { code: string } }>('POST', '/api/v1/campaigns', {
      token: null,
      body: 'not: [valid',
      contentType: 'application/yaml',
    });
    expect(answer.status).toBe(401);
    const [row] = await db.sql`select count(*)::int as n from campaigns where name like 'not%'`;
    expect(row?.n).toBe(0);
  });
});
