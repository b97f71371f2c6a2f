import { describe, expect, it } from 'vitest';
import { formatStartBanner, startSummary } from '../../src/cli/startBanner.js';
import { loadConfig } from '../../src/config/config.js';

describe('the start banner', () => {
  it('says where the console, the API and its OpenAPI document are, and that it sends to the sandbox', () => {
    const config = loadConfig({});
    const summary = startSummary(config, {
      role: 'all',
      httpUrl: 'http://127.0.0.1:3000',
      sandboxUrl: 'http://127.0.0.1:41234',
    });

    expect(formatStartBanner(summary).split('\n')).toEqual([
      'broadcaster is running (role all); stop it with Ctrl-C.',
      '  Console:      http://127.0.0.1:3000/',
      '  API:          http://127.0.0.1:3000/api/v1 (OpenAPI: http://127.0.0.1:3000/api/v1/openapi.json)',
      '  Chat2Desk:    built-in sandbox at http://127.0.0.1:41234 (CHAT2DESK_TOKEN is not set: no message reaches a real client)',
      '  As a client:  broadcaster sandbox reply --url http://127.0.0.1:41234 --phone P --text СТОП',
      '  Database:     embedded PostgreSQL in .data/postgres (port 5433; set DATABASE_URL to use your own)'.replace(
        '5433',
        String(config.embeddedPostgres.port),
      ),
    ]);
  });

  it('names the Chat2Desk API and the database without a token or a password', () => {
    const config = loadConfig({
      CHAT2DESK_TOKEN: 'c2d-secret-token-123',
      CHAT2DESK_API_URL: 'https://user:pw-secret@api.chat2desk.com/?token=q-secret',
      DATABASE_URL: 'postgres://broadcaster:db-secret-pw@db.example.com:6432/prod',
      API_TOKEN: 'api-secret-token-1234567890',
    });
    const summary = startSummary(config, { role: 'worker', httpUrl: undefined, sandboxUrl: undefined });
    const banner = formatStartBanner(summary);

    expect(banner).toContain('HTTP:       not served by this process (role worker)');
    expect(banner).toContain('Chat2Desk:  https://api.chat2desk.com');
    expect(banner).toContain(
      'Database:   PostgreSQL at db.example.com:6432/prod as broadcaster (DATABASE_URL)',
    );
    expect(`${banner}${JSON.stringify(summary)}`).not.toMatch(/secret/);
  });
});
