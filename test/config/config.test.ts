import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/errors.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(Object.keys(env))}`);
}

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    expect(loadConfig({})).toEqual({
      databaseUrl: undefined,
      embeddedPostgres: { dataDir: '.data', port: 54329 },
      chat2desk: {
        apiUrl: 'https://api.chat2desk.com',
        token: undefined,
        requestsPerSecond: 10,
        rateMarginMs: 10,
        monthlyQuota: undefined,
        timeoutMs: 15_000,
      },
      whatsappNewClientDelayMs: 420_000,
      deliveryLeaseMs: 120_000,
      http: { port: 3000, apiToken: undefined, trustProxy: false, allowedHosts: [] },
      publicUrl: undefined,
      webhookSignatures: 'optional',
      defaultTimezone: 'UTC',
      phoneRegion: 'RU',
      logLevel: undefined,
      retentionDays: undefined,
      optOutKeywords: undefined,
      optOutConfirmationText: undefined,
    });
  });

  it('reads OPT_OUT_CONFIRMATION_TEXT as written, trimmed', () => {
    expect(loadConfig({ OPT_OUT_CONFIRMATION_TEXT: ' Вы отписаны. ' }).optOutConfirmationText).toBe(
      'Вы отписаны.',
    );
  });

  it('reads OPT_OUT_KEYWORDS split on | (or on commas when there is none), trimmed, empty entries left out', () => {
    expect(loadConfig({ OPT_OUT_KEYWORDS: ' stop | Хватит, правда |default| ' }).optOutKeywords).toEqual([
      'stop',
      'Хватит, правда',
      'default',
    ]);
    expect(loadConfig({ OPT_OUT_KEYWORDS: 'stop,стоп,больше не пишите,' }).optOutKeywords).toEqual([
      'stop',
      'стоп',
      'больше не пишите',
    ]);
  });

  it('reads every variable', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://u@db:5432/app',
      CHAT2DESK_API_URL: 'http://127.0.0.1:8090/',
      CHAT2DESK_TOKEN: 'secret',
      CHAT2DESK_REQUESTS_PER_SECOND: '0',
      CHAT2DESK_MONTHLY_QUOTA: '50000',
      CHAT2DESK_RATE_MARGIN_MS: '50',
      CHAT2DESK_TIMEOUT_MS: '5000',
      DELIVERY_LEASE_MS: '30000',
      WHATSAPP_NEW_CLIENT_DELAY_MS: '1000',
      PORT: '8080',
      API_TOKEN: 'api-secret-0123456789',
      TRUST_PROXY: '10.0.0.0/8, 192.168.1.10',
      ALLOWED_HOSTS: 'Broadcaster.internal, 10.1.2.3:3000',
      CHAT2DESK_WEBHOOK_SIGNATURES: 'required',
      PUBLIC_URL: 'https://broadcaster.example.com',
      DEFAULT_TIMEZONE: 'Europe/Moscow',
      DEFAULT_PHONE_REGION: 'kz',
      LOG_LEVEL: 'debug',
      RETENTION_DAYS: '90',
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgresql://u@db:5432/app',
      chat2desk: {
        apiUrl: 'http://127.0.0.1:8090',
        token: 'secret',
        requestsPerSecond: 0,
        rateMarginMs: 50,
        monthlyQuota: 50_000,
        timeoutMs: 5000,
      },
      whatsappNewClientDelayMs: 1000,
      deliveryLeaseMs: 30_000,
      http: {
        port: 8080,
        apiToken: 'api-secret-0123456789',
        trustProxy: ['10.0.0.0/8', '192.168.1.10'],
        allowedHosts: ['broadcaster.internal', '10.1.2.3'],
      },
      publicUrl: 'https://broadcaster.example.com',
      webhookSignatures: 'required',
      defaultTimezone: 'Europe/Moscow',
      phoneRegion: 'KZ',
      logLevel: 'debug',
      retentionDays: 90,
    });
  });

  it.each([
    ['PORT', 'eighty', /whole number/],
    ['PORT', '70000', /at most 65535/],
    ['WHATSAPP_NEW_CLIENT_DELAY_MS', '-1', /at least 0/],
    ['WHATSAPP_NEW_CLIENT_DELAY_MS', '7.5', /whole number/],
    ['CHAT2DESK_REQUESTS_PER_SECOND', 'fast', /number/],
    ['CHAT2DESK_REQUESTS_PER_SECOND', '1e308', /at most 1000/],
    ['CHAT2DESK_MONTHLY_QUOTA', '-5', /at least 0/],
    ['CHAT2DESK_API_URL', 'ftp://api.chat2desk.com', /http/],
    ['PUBLIC_URL', 'not a url', /valid URL/],
    ['DATABASE_URL', 'mysql://localhost/db', /postgres/],
    ['DEFAULT_TIMEZONE', 'Mars/Olympus', /IANA/],
    ['LOG_LEVEL', 'loud', /one of/],
    ['RETENTION_DAYS', '0', /at least 1/],
    ['RETENTION_DAYS', 'a year', /whole number/],
    ['DEFAULT_PHONE_REGION', 'Russia', /two-letter country code/],
    ['DEFAULT_PHONE_REGION', 'XX', /two-letter country code/],
    ['CHAT2DESK_RATE_MARGIN_MS', '1500', /at most 1000/],
    ['DELIVERY_LEASE_MS', '59999', /at least 4 × CHAT2DESK_TIMEOUT_MS \(60000\), got 59999/],
    ['API_TOKEN', 'x', /at least 16 characters .*got 1;/],
    ['API_TOKEN', 'fifteen-chars!!', /at least 16 characters/],
    ['TRUST_PROXY', 'yes please', /true, false, a number of proxies/],
    ['TRUST_PROXY', '10.0.0.0/33', /got "10.0.0.0\/33"/],
    ['ALLOWED_HOSTS', 'https://broadcaster.example.com/', /host names/],
    ['CHAT2DESK_WEBHOOK_SIGNATURES', 'always', /one of optional, required/],
    ['OPT_OUT_KEYWORDS', ' , , ', /names no keyword/],
    ['OPT_OUT_CONFIRMATION_TEXT', 'x'.repeat(1001), /at most 1000 characters/],
    ['OPT_OUT_KEYWORDS', 'stop|!!!', /"!!!" has no letter or digit/],
    ['OPT_OUT_KEYWORDS', `stop|${'x'.repeat(101)}`, /longer than 100 characters/],
  ])('refuses %s=%s, naming the variable', (variable, value, reason) => {
    const error = configError({ [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(new RegExp(`^${variable}: `));
    expect(error.message).toMatch(reason);
  });

  it('keeps the lease at four request time-outs at least, when only the time-out is raised', () => {
    expect(loadConfig({ CHAT2DESK_TIMEOUT_MS: '60000' }).deliveryLeaseMs).toBe(240_000);
    expect(configError({ CHAT2DESK_TIMEOUT_MS: '60000', DELIVERY_LEASE_MS: '120000' }).variable).toBe(
      'DELIVERY_LEASE_MS',
    );
  });

  it('reads TRUST_PROXY as a switch or a number of proxies', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).http.trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'false' }).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).http.trustProxy).toBe(2);
  });

  it('reads VIEWER_TOKEN only beside a different API_TOKEN, never echoing either', () => {
    const api = 'api-secret-0123456789';
    const viewer = 'viewer-secret-0123456789';
    expect(loadConfig({ API_TOKEN: api, VIEWER_TOKEN: viewer }).http).toMatchObject({
      apiToken: api,
      viewerToken: viewer,
    });
    expect(loadConfig({ API_TOKEN: api }).http.viewerToken).toBeUndefined();
    const alone = configError({ VIEWER_TOKEN: viewer });
    expect(alone.variable).toBe('VIEWER_TOKEN');
    expect(alone.message).toMatch(/needs API_TOKEN/);
    const same = configError({ API_TOKEN: api, VIEWER_TOKEN: api });
    expect(same.message).toMatch(/^VIEWER_TOKEN: must differ from API_TOKEN/);
    const short = configError({ API_TOKEN: api, VIEWER_TOKEN: 'hunter2' });
    expect(short.message).toMatch(/at least 16 characters/);
    for (const error of [alone, same, short]) {
      expect(error.message).not.toContain(viewer);
      expect(error.message).not.toContain(api);
      expect(error.message).not.toContain('hunter2');
    }
  });

  it('never echoes a short API token', () => {
    const error = configError({ API_TOKEN: 'hunter2' });
    expect(error.message).not.toContain('hunter2');
  });

  it('never echoes a URL, which may hold a password', () => {
    const error = configError({ DATABASE_URL: 'mysql://admin:hunter2@db/app' });
    expect(error.message).not.toContain('hunter2');
  });
});
