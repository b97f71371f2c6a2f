import type { EngineConfig } from '../config/config.js';

/** What `broadcaster start` tells a person once it runs: where to go, what it talks to. */
export interface StartSummary {
  role: string;
  /** The HTTP server's address as it listens (http://127.0.0.1:3000); null when this process serves none. */
  httpUrl: string | null;
  consoleUrl: string | null;
  apiUrl: string | null;
  openApiUrl: string | null;
  /** Where it sends: the Chat2Desk API's URL, or the built-in sandbox's. */
  chat2desk: { url: string; sandbox: boolean };
  /** The database, never its password: "embedded PostgreSQL in .data/postgres" or host:port/db. */
  database: string;
}

export function startSummary(
  config: EngineConfig,
  engine: { role: string; httpUrl: string | undefined; sandboxUrl: string | undefined },
): StartSummary {
  const http = engine.httpUrl?.replace(/\/$/, '') ?? null;
  return {
    role: engine.role,
    httpUrl: http,
    consoleUrl: http === null ? null : `${http}/`,
    apiUrl: http === null ? null : `${http}/api/v1`,
    openApiUrl: http === null ? null : `${http}/api/v1/openapi.json`,
    chat2desk:
      engine.sandboxUrl === undefined
        ? { url: withoutCredentials(config.chat2desk.apiUrl), sandbox: false }
        : { url: engine.sandboxUrl, sandbox: true },
    database: describeDatabase(config),
  };
}

/** The lines printed for a person: aligned labels, one fact a line. */
export function formatStartBanner(summary: StartSummary): string {
  const lines: Array<[string, string]> = [];
  if (summary.consoleUrl !== null) {
    lines.push(['Console', summary.consoleUrl]);
    lines.push(['API', `${summary.apiUrl} (OpenAPI: ${summary.openApiUrl})`]);
  } else {
    lines.push(['HTTP', `not served by this process (role ${summary.role})`]);
  }
  if (summary.chat2desk.sandbox) {
    lines.push([
      'Chat2Desk',
      `built-in sandbox at ${summary.chat2desk.url} (CHAT2DESK_TOKEN is not set: no message reaches a real client)`,
    ]);
    lines.push([
      'As a client',
      `broadcaster sandbox reply --url ${summary.chat2desk.url} --phone P --text СТОП`,
    ]);
  } else {
    lines.push(['Chat2Desk', summary.chat2desk.url]);
  }
  lines.push(['Database', summary.database]);
  const width = Math.max(...lines.map(([label]) => label.length)) + 1;
  return [
    `broadcaster is running (role ${summary.role}); stop it with Ctrl-C.`,
    ...lines.map(([label, value]) => `  ${`${label}:`.padEnd(width)}  ${value}`),
  ].join('\n');
}

function describeDatabase(config: EngineConfig): string {
  if (config.databaseUrl === undefined) {
    return `embedded PostgreSQL in ${config.embeddedPostgres.dataDir}/postgres (port ${config.embeddedPostgres.port}; set DATABASE_URL to use your own)`;
  }
  try {
    const url = new URL(config.databaseUrl);
    const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || '(default database)';
    const user = url.username ? ` as ${decodeURIComponent(url.username)}` : '';
    return `PostgreSQL at ${url.host}/${database}${user} (DATABASE_URL)`;
  } catch {
    return 'PostgreSQL at DATABASE_URL';
  }
}

/** A URL as it may be shown: no user, no password, no query (a token may ride in any of them). */
function withoutCredentials(raw: string): string {
  try {
    const url = new URL(raw);
    url.username = '';
    url.password = '';
    url.search = '';
    return url.href.replace(/\/$/, '');
  } catch {
    return '(CHAT2DESK_API_URL)';
  }
}
