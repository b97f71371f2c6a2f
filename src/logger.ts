import { type Logger, pino, stdSerializers } from 'pino';

export type { Logger };

/**
 * Keys whose values are secrets wherever they appear in a log object, compared lower-case without
 * `_` and `-` (so `apiToken`, `api_token` and `API-TOKEN` are one). Matched at any depth: a config
 * or a request logged whole must not carry a token out, and pino's own redact paths cannot say
 * "anywhere".
 */
const SECRET_KEYS = new Set([
  'token',
  'apitoken',
  'viewertoken',
  'chat2desktoken',
  'accesstoken',
  'authorization',
  'proxyauthorization',
  'cookie',
  'password',
  'secret',
  'webhooksecret',
]);

/** Secrets inside free text: a token in a query string, a Bearer/Basic credential, a URL's password, a web hook path. */
const SECRET_TEXT: ReadonlyArray<[RegExp, string]> = [
  [/([?&](?:token|api_token|apitoken|access_token)=)[^&#\s"']+/gi, '$1[redacted]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]'],
  [/(\/\/[^/\s:@]+:)[^@\s/]+@/g, '$1[redacted]@'],
  // The web hook receiver's path is its secret (a hook URL echoed in an error, say).
  [/(\/webhooks\/chat2desk\/)[^/?#\s"']+/g, '$1[redacted]'],
];

const CENSOR = '[redacted]';

/**
 * pino passes a child logger's bindings through no formatter, only through its redact paths: these
 * cover the secret keys bound at the top level or one level down (`child({ token })`).
 */
const BINDING_SECRET_PATHS = [
  'token',
  'apiToken',
  'viewerToken',
  'chat2deskToken',
  'authorization',
  'password',
  'secret',
  'webhookSecret',
].flatMap((key) => [key, `*.${key}`, `*.headers.${key}`]);
/** Deeper than any object the engine logs; past it a value is dropped rather than walked forever. */
const MAX_DEPTH = 8;

export function redactText(text: string): string {
  let result = text;
  for (const [pattern, replacement] of SECRET_TEXT) result = result.replace(pattern, replacement);
  return result;
}

function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase().replace(/[-_]/g, ''));
}

/** A copy of `value` with secret keys censored and secrets in strings removed; errors serialized first. */
export function redactValue(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (seen.has(value)) return '[circular]';
  if (value instanceof URL) return redactText(value.href);
  if (value instanceof Date || ArrayBuffer.isView(value)) return value;
  seen.add(value);
  try {
    if (value instanceof Error) return redactValue(stdSerializers.err(value), depth, seen);
    if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1, seen));
    // What JSON would write for it (a URL-like or money-like class), rather than its private fields.
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return redactValue(toJSON.call(value), depth + 1, seen);
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      copy[key] = isSecretKey(key) && item != null ? CENSOR : redactValue(item, depth + 1, seen);
    }
    return copy;
  } finally {
    seen.delete(value);
  }
}

/** `pretty`: one line a record for a person at a terminal; `json`: one JSON object a line, for collectors. */
export type LogFormat = 'pretty' | 'json';

/** Pretty on a terminal, JSON when stderr goes to a file, a pipe or a collector. */
export function logFormatFor(stream: { isTTY?: boolean }): LogFormat {
  return stream.isTTY === true ? 'pretty' : 'json';
}

/** Fields every record carries that a person at a terminal does not need to read each line. */
const PRETTY_OMITTED = new Set(['time', 'level', 'msg', 'service', 'pid', 'hostname']);

/**
 * One pino JSON line as a person reads it: `01:24:45.123Z INFO  engine started role=all`. Works on
 * what pino wrote, so whatever redaction did is kept; a line that is not JSON passes as it is.
 */
export function formatLogLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const time = typeof record['time'] === 'string' ? record['time'].slice(11) : '';
  const level = (pino.levels.labels[Number(record['level'])] ?? String(record['level'])).toUpperCase();
  const fields = Object.entries(record)
    .filter(([key]) => !PRETTY_OMITTED.has(key))
    .map(([key, value]) => `${key}=${prettyValue(key, value)}`);
  const message = typeof record['msg'] === 'string' ? record['msg'] : '';
  return `${[time, level.padEnd(5), message, ...fields].filter(Boolean).join(' ')}\n`;
}

function prettyValue(key: string, value: unknown): string {
  // An error reads as its type and message; its stack is for the JSON logs.
  if (key === 'err' && value !== null && typeof value === 'object') {
    const { type, message, code } = value as { type?: string; message?: string; code?: unknown };
    return quoted(
      `${type ? `${type}: ` : ''}${message ?? ''}${code !== undefined ? ` (${String(code)})` : ''}`,
    );
  }
  if (typeof value === 'string') return quoted(value);
  return JSON.stringify(value) ?? String(value);
}

function quoted(text: string): string {
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}

/** A pino destination writing each record as formatLogLine's line. */
function prettyDestination(out: NodeJS.WritableStream): { write(line: string): void } {
  return {
    write: (chunk: string) => {
      for (const line of chunk.split('\n')) if (line !== '') out.write(formatLogLine(line));
    },
  };
}

/**
 * The engine's logger. Without a destination it writes to stderr, pretty on a terminal and JSON
 * otherwise (logFormatFor); with one, JSON unless `format` says pretty. Redaction runs before either.
 */
export function createLogger(
  level = 'info',
  destination?: NodeJS.WritableStream,
  format: LogFormat = destination === undefined ? logFormatFor(process.stderr) : 'json',
): Logger {
  const out =
    format === 'pretty'
      ? prettyDestination(destination ?? process.stderr)
      : (destination ?? pino.destination(2));
  return pino(
    {
      level,
      base: { service: 'broadcaster' },
      redact: { paths: BINDING_SECRET_PATHS, censor: CENSOR },
      // formatters.log has already serialized (and redacted) errors: pino's own pass would retype them.
      serializers: { err: (value: unknown) => value },
      formatters: {
        log: (object) => redactValue(object) as Record<string, unknown>,
        bindings: (bindings) => redactValue(bindings) as Record<string, unknown>,
      },
      hooks: {
        // The message and its format arguments are text pino writes as they are.
        logMethod(args, method) {
          const cleaned = args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg));
          method.apply(this, cleaned as Parameters<typeof method>);
        },
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    out,
  );
}

/** A logger that writes nothing, for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
