import { timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Registry } from 'prom-client';
import type { Chat2DeskClient } from '../chat2desk/client.js';
import type { Clock } from '../clock.js';
import type { TrustProxy, WebhookSignatures } from '../config/config.js';
import { DEFAULT_PHONE_REGION, type PhoneRegion } from '../contacts/phone.js';
import type { Database, Sql } from '../db/database.js';
import type { Chat2DeskGate } from '../delivery/chat2deskGate.js';
import { receiveWebhookEvent, type WebhookPayload } from '../delivery/webhookEvents.js';
import type { Logger } from '../logger.js';
import { API_PREFIX, registerApi } from './api/index.js';
import { AuthAttempts, type AuthFailureLimit, DEFAULT_AUTH_FAILURE_LIMIT } from './authAttempts.js';
import { registerDashboard } from './dashboard/index.js';
import { errorBody, toErrorResponse } from './errors.js';
import { registerMetrics } from './metrics.js';
import { nulTextPath } from './nulText.js';
import { registerPerimeter } from './perimeter.js';
import { verifyWebhookSignature } from './webhookSignature.js';

export interface HttpServerOptions {
  sql: Sql;
  clock: Clock;
  logger: Logger;
  /** The secret path segment of the web hook receiver: /webhooks/chat2desk/<secret>. */
  webhookSecret: string;
  /** CHAT2DESK_TOKEN: checks the X-Signature of signed web hook deliveries. */
  chat2deskToken?: string;
  /** `required`: a web hook delivery without a valid X-Signature is refused (default `optional`). */
  webhookSignatures?: WebhookSignatures;
  /** PUBLIC_URL: its host is served and its origin may post (see registerPerimeter). */
  publicUrl?: string | undefined;
  /** ALLOWED_HOSTS: further host names the engine is reached by. */
  allowedHosts?: readonly string[];
  /** TRUST_PROXY: whose X-Forwarded-For/-Proto/-Host to believe (client address, https, host). */
  trustProxy?: TrustProxy;
  /** Wrong tokens one client address may try per window (login and Bearer together). */
  authFailureLimit?: AuthFailureLimit;
  /** The largest JSON body accepted (default 1 MB); CSV imports have their own limit. */
  bodyLimitBytes?: number;
  /** With the database (Prisma too), the JSON API is served under /api/v1. */
  db?: Database;
  /** API_TOKEN: the bearer token of the API and the dashboard; undefined leaves them open. */
  apiToken?: string;
  /** Where `{"file": "name.hbs"}` templates live; default: templates/ of the package. */
  templatesDir?: string;
  defaultTimezone?: string;
  /** DEFAULT_PHONE_REGION (default RU). */
  phoneRegion?: PhoneRegion;
  /** What test-send sends with; without it the route answers 503. */
  chat2desk?: { client: Chat2DeskClient; gate: Chat2DeskGate; whatsappDelayMs: number };
  /** The largest CSV an import accepts, streamed (default 200 MB). */
  importBodyLimitBytes?: number;
  /** Serve GET /metrics (Prometheus), recording into this registry when given. */
  metrics?: { registry?: Registry };
  /** Serve the dashboard at `/`. */
  dashboard?: boolean;
}

const DEFAULT_TEMPLATES_DIR = join(import.meta.dirname, '..', '..', 'templates');
const DEFAULT_IMPORT_LIMIT_BYTES = 200 * 1024 * 1024;
/** Routes outside /api/v1 that scripts use, and so belong in the OpenAPI document. */
const MACHINE_PATHS = ['/healthz', '/metrics'];

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const WEBHOOK_PREFIX = '/webhooks/chat2desk/';

/** PostgreSQL cannot store U+0000 in text: refused at the edge, naming where it was. */
function nulTextError(where: string): Error {
  return Object.assign(new Error(`${where}: contains a NUL character (U+0000), which text may not hold`), {
    statusCode: 400,
    code: 'invalid_text',
  });
}

/** The text of each JSON body: a replayed web hook without a message id is recognised by its hash. */
const rawBodies = new WeakMap<FastifyRequest, string>();

/** Refuses keys that could reach an object's prototype when a body is merged somewhere. */
function refusePrototypeKeys(key: string, value: unknown): unknown {
  if (
    key === '__proto__' ||
    (key === 'constructor' && typeof value === 'object' && value && 'prototype' in value)
  ) {
    throw Object.assign(new Error(`the body contains the forbidden key "${key}"`), {
      statusCode: 400,
      code: 'invalid_json',
    });
  }
  return value;
}

/**
 * The engine's HTTP face: health, the Chat2Desk web hook receiver, and — given the database — the
 * JSON API under /api/v1 with its OpenAPI document; the dashboard and /metrics when asked for.
 */
export function buildHttpServer(options: HttpServerOptions): FastifyInstance {
  const app = Fastify({
    // Fastify logs every request at info; ours are quieter: warnings and errors only.
    loggerInstance: options.logger.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    bodyLimit: options.bodyLimitBytes ?? 1_048_576,
    trustProxy: fastifyTrustProxy(options.trustProxy ?? false),
    ajv: {
      // Unknown fields are an error, never silently dropped; a wrong type is an error, never coerced
      // (query and path parameters are converted by coerceParameters below); every problem at once.
      customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true, allowUnionTypes: true },
    },
    frameworkErrors: (error, _request, reply) => {
      void (reply as FastifyReply).status(400).send(errorBody('bad_request', error.message));
    },
  });

  // A text/plain body needs no CORS preflight, so any web page could send one: only the types a
  // route declares are read (JSON, and the API's CSV and YAML), everything else is a 415.
  app.removeContentTypeParser('text/plain');
  registerPerimeter(app, {
    publicUrl: options.publicUrl,
    allowedHosts: options.allowedHosts ?? [],
    serverToServerPrefixes: [WEBHOOK_PREFIX],
  });
  void app.register(rateLimit, { global: false });
  const authAttempts = new AuthAttempts(options.authFailureLimit ?? DEFAULT_AUTH_FAILURE_LIMIT);

  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    rawBodies.set(request, text);
    if (text.trim() === '') return done(null, undefined);
    try {
      const parsed: unknown = JSON.parse(text, refusePrototypeKeys);
      const nul = nulTextPath(parsed);
      if (nul !== null) return done(nulTextError(nul === '' ? 'body' : nul), undefined);
      done(null, parsed);
    } catch (error) {
      if ((error as { code?: string }).code === 'invalid_json') return done(error as Error, undefined);
      // Valid JSON nested thousands deep overflows the stack while its keys are checked: say so
      // rather than call it invalid.
      const message =
        error instanceof RangeError ? 'the body is nested too deeply' : 'the body is not valid JSON';
      const invalid = Object.assign(new Error(message), {
        statusCode: 400,
        code: 'invalid_json',
      });
      done(invalid, undefined);
    }
  });
  app.addHook('preValidation', async (request) => {
    const schema = request.routeOptions.schema;
    for (const [where, values] of [
      ['query', request.query],
      ['path', request.params],
    ] as const) {
      const nul = nulTextPath(values);
      if (nul !== null) throw nulTextError(`${where} ${nul}`);
    }
    coerceParameters(request.query, schema?.querystring);
    coerceParameters(request.params, schema?.params);
  });

  app.setErrorHandler((error, request, reply) => {
    const { status, body } = toErrorResponse(error);
    if (body.error.code === 'unsupported_media_type' && request.headers['content-type'] !== undefined) {
      const type = request.headers['content-type'].split(';')[0]!.trim().slice(0, 80);
      body.error.message = `a body of type "${type}" is not read here: send application/json (a campaign may also be YAML, an import text/csv)`;
    }
    // The route's pattern, not the URL: a web hook's path holds its secret.
    const route = `${request.method} ${request.routeOptions.url ?? '(no route)'}`;
    if (status >= 500) options.logger.error({ err: error, route }, 'request failed');
    // Refused before its body was read (too large, unauthenticated, a CSV the importer stopped on):
    // the connection closes, so the unread rest is neither read nor taken for the next request.
    if (!request.raw.complete) void reply.header('connection', 'close');
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply
      .status(404)
      .send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}`));
  });

  if (options.db) {
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
      // The document describes the machine interfaces; the dashboard's pages are for people.
      transform: ({ schema, url }) => ({
        schema:
          url.startsWith(API_PREFIX) || MACHINE_PATHS.includes(url) ? schema : { ...schema, hide: true },
        url,
      }),
    });
  }
  // Registered as a plugin so that they come after swagger and appear in its document.
  void app.register(async (root) => {
    root.get(
      '/healthz',
      { schema: { tags: ['meta'], summary: 'Whether the engine and its database answer', security: [] } },
      async (_request, reply) => {
        try {
          await options.sql`select 1`;
          return { status: 'ok', time: options.clock.now().toISOString() };
        } catch {
          return reply.status(503).send(errorBody('database_unavailable', 'the database does not answer'));
        }
      },
    );
    registerWebhookReceiver(root, options);
  });

  if (options.db) {
    registerApi(app, {
      db: options.db,
      clock: options.clock,
      logger: options.logger,
      apiToken: options.apiToken,
      templatesDir: options.templatesDir ?? DEFAULT_TEMPLATES_DIR,
      defaultTimezone: options.defaultTimezone,
      phoneRegion: options.phoneRegion ?? DEFAULT_PHONE_REGION,
      chat2desk: options.chat2desk,
      importBodyLimitBytes: options.importBodyLimitBytes ?? DEFAULT_IMPORT_LIMIT_BYTES,
      authAttempts,
    });
  }
  const metrics = options.metrics;
  if (metrics) {
    void app.register(async (root) =>
      registerMetrics(root, {
        sql: options.sql,
        apiToken: options.apiToken,
        authAttempts,
        clock: options.clock,
        logger: options.logger,
        ...(metrics.registry ? { registry: metrics.registry } : {}),
      }),
    );
  }
  if (options.dashboard) {
    registerDashboard(app, {
      sql: options.sql,
      clock: options.clock,
      apiToken: options.apiToken,
      authAttempts,
    });
  }
  return app;
}

function registerWebhookReceiver(app: FastifyInstance, options: HttpServerOptions): void {
  app.post<{ Params: { secret: string } }>(
    `${WEBHOOK_PREFIX}:secret`,
    // Not in the OpenAPI document: its path holds a secret.
    { schema: { hide: true } },
    async (request, reply) => {
      if (!sameSecret(request.params.secret, options.webhookSecret)) {
        return reply.status(404).send(errorBody('not_found', 'no such web hook'));
      }
      const payload = request.body;
      const raw = rawBodies.get(request) ?? JSON.stringify(payload ?? '');
      // Signed deliveries are checked before anything is read from them; the legacy v1.08 hook
      // signs nothing and relies on the secret path alone, unless signatures are required.
      const signature = singleHeader(request.headers['x-signature']);
      if (signature === undefined && options.webhookSignatures === 'required') {
        return reply
          .status(401)
          .send(
            errorBody(
              'signature_missing',
              'this engine requires signed web hooks (CHAT2DESK_WEBHOOK_SIGNATURES=required): X-Signature is missing',
            ),
          );
      }
      if (signature !== undefined && options.chat2deskToken !== undefined) {
        const check = verifyWebhookSignature(
          raw,
          singleHeader(request.headers['x-timestamp']),
          signature,
          options.chat2deskToken,
          options.clock.now(),
        );
        if (!check.ok) return reply.status(401).send(errorBody(check.code, check.message));
      }
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
        return reply.status(400).send(errorBody('invalid_payload', 'a web hook payload is a JSON object'));
      }
      const problem = webhookIdProblem(payload as Record<string, unknown>);
      if (problem) {
        const message = `${problem.field}: ${problem.message}`;
        return reply.status(400).send(errorBody('invalid_payload', message, { field: problem.field }));
      }
      const outcome = await receiveWebhookEvent(options.sql, payload as WebhookPayload, raw, {
        now: options.clock.now(),
        phoneRegion: options.phoneRegion ?? DEFAULT_PHONE_REGION,
      });
      return { status: 'success', ...outcome };
    },
  );
}

/**
 * Ids go into bigint columns and dedupe keys: one that is not a whole number (an object, a list, a
 * fraction) is refused naming its field, rather than failing in the database or stored as "[object Object]".
 */
function webhookIdProblem(payload: Record<string, unknown>): { field: string; message: string } | null {
  const client = payload.client;
  if (client !== undefined && client !== null && (typeof client !== 'object' || Array.isArray(client))) {
    return { field: 'client', message: 'expected an object' };
  }
  const fields: Array<[string, unknown]> = [
    ['id', payload.id],
    ['message_id', payload.message_id],
    ['client_id', payload.client_id],
    ['client.id', (client as Record<string, unknown> | null | undefined)?.id],
  ];
  for (const [field, value] of fields) {
    if (value === undefined || value === null) continue;
    const whole =
      typeof value === 'number'
        ? Number.isSafeInteger(value)
        : typeof value === 'string' && /^\d{1,18}$/.test(value);
    if (!whole) return { field, message: 'expected a whole number' };
  }
  return null;
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * Query strings and path segments are text: a value meant as a number or a boolean is converted
 * here, when it reads as one, before validation (which otherwise coerces nothing). Anything else is
 * left for the schema to refuse, naming the parameter.
 */
function coerceParameters(values: unknown, schema: unknown): void {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties;
  if (!properties || typeof values !== 'object' || values === null) return;
  const record = values as Record<string, unknown>;
  for (const [name, property] of Object.entries(properties)) {
    const value = record[name];
    if (typeof value !== 'string') continue;
    const types = Array.isArray(property.type) ? property.type : [property.type];
    if ((types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?$/.test(value)) {
      record[name] = Number(value);
    } else if (types.includes('boolean') && (value === 'true' || value === 'false')) {
      record[name] = value === 'true';
    }
  }
}

/** A number of proxies means: trust that many hops from this server (proxy-addr's reading). */
function fastifyTrustProxy(
  trust: TrustProxy,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}
