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

export function createLogger(level = 'info', destination?: NodeJS.WritableStream): Logger {
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
    destination ?? pino.destination(2),
  );
}

/** A logger that writes nothing, for tests and library use. */
export const silentLogger: Logger = pino({ level: 'silent' });
