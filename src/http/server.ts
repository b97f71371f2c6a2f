import { join } from 'node:path';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import type { Chat2DeskClient } from '../chat2desk/client.js';
import type { Clock } from '../clock.js';
import type { TrustProxy, WebhookSignatures } from '../config/config.js';
import type { Database, Sql } from '../db/database.js';
import type { Chat2DeskGate } from '../delivery/chat2deskGate.js';
import type { StopVocabulary } from '../delivery/optOut.js';
import type { Logger } from '../logger.js';
import { DEFAULT_PHONE_REGION, type PhoneRegion } from '../phones/phone.js';
import { registerApi } from './api/index.js';
import { AuthAttempts, type AuthFailureLimit, DEFAULT_AUTH_FAILURE_LIMIT } from './authAttempts.js';
import { registerDashboard } from './dashboard/index.js';
import { registerErrorReplies } from './errorReplies.js';
import { errorBody } from './errors.js';
import { registerHealth } from './health.js';
import { registerMetrics } from './metrics.js';
import { registerOpenApiDocument } from './openApiDocument.js';
import { registerPerimeter } from './perimeter.js';
import { registerRequestParsing } from './requestParsing.js';
import { registerWebhookReceiver, WEBHOOK_PREFIX } from './webhookReceiver.js';

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
  /** OPT_OUT_KEYWORDS: what a client's STOP is (the defaults when not given). */
  stopVocabulary?: StopVocabulary;
  /** OPT_OUT_CONFIRMATION_TEXT is set: a STOP records the confirmation its client is owed. */
  confirmOptOut?: boolean;
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
  /** VIEWER_TOKEN: reads the API, the console and /metrics, changes nothing. */
  viewerToken?: string | undefined;
  /** Where `{"file": "name.hbs"}` templates live; default: templates/ of the package. */
  templatesDir?: string;
  defaultTimezone?: string;
  /** DEFAULT_PHONE_REGION (default RU). */
  phoneRegion?: PhoneRegion;
  /** CHAT2DESK_REQUESTS_PER_SECOND, for the console's forecasts. */
  requestsPerSecond?: number;
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

/**
 * The engine's HTTP face: health, the Chat2Desk web hook receiver, and — given the database — the
 * JSON API under /api/v1 with its OpenAPI document; the dashboard and /metrics when asked for.
 */
export function buildHttpServer(options: HttpServerOptions): FastifyInstance {
  const app = createFastify(options);
  guardPerimeter(app, options);
  const authAttempts = new AuthAttempts(options.authFailureLimit ?? DEFAULT_AUTH_FAILURE_LIMIT);
  registerRequestParsing(app);
  registerErrorReplies(app, options.logger);
  if (options.db) registerOpenApiDocument(app);
  registerRoutes(app, options, authAttempts);
  return app;
}

function createFastify(options: HttpServerOptions): FastifyInstance {
  return Fastify({
    // Fastify logs every request at info; ours are quieter: warnings and errors only.
    loggerInstance: options.logger.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    bodyLimit: options.bodyLimitBytes ?? 1_048_576,
    trustProxy: fastifyTrustProxy(options.trustProxy ?? false),
    ajv: {
      // Unknown fields are an error, never silently dropped; a wrong type is an error, never coerced
      // (query and path parameters are converted by registerRequestParsing); every problem at once.
      customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true, allowUnionTypes: true },
    },
    frameworkErrors: (error, _request, reply) => {
      void (reply as FastifyReply).status(400).send(errorBody('bad_request', error.message));
    },
  });
}

/** What a request meets before any route: the body types read, the host and origin checks, rate limits. */
function guardPerimeter(app: FastifyInstance, options: HttpServerOptions): void {
  // A text/plain body needs no CORS preflight, so any web page could send one: only the types a
  // route declares are read (JSON, and the API's CSV and YAML), everything else is a 415.
  app.removeContentTypeParser('text/plain');
  registerPerimeter(app, {
    publicUrl: options.publicUrl,
    allowedHosts: options.allowedHosts ?? [],
    serverToServerPrefixes: [WEBHOOK_PREFIX],
  });
  void app.register(rateLimit, { global: false });
}

/** Health and the web hook receiver always; the API, /metrics and the dashboard as asked for. */
function registerRoutes(app: FastifyInstance, options: HttpServerOptions, authAttempts: AuthAttempts): void {
  // Registered as a plugin so that they come after swagger and appear in its document.
  void app.register(async (root) => {
    registerHealth(root, options);
    registerWebhookReceiver(root, options);
  });
  if (options.db) {
    registerApi(app, {
      db: options.db,
      clock: options.clock,
      logger: options.logger,
      apiToken: options.apiToken,
      viewerToken: options.viewerToken,
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
        viewerToken: options.viewerToken,
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
      viewerToken: options.viewerToken,
      authAttempts,
      editor: options.db
        ? {
            db: options.db,
            templatesDir: options.templatesDir ?? DEFAULT_TEMPLATES_DIR,
            defaultTimezone: options.defaultTimezone,
            phoneRegion: options.phoneRegion ?? DEFAULT_PHONE_REGION,
            chat2desk: options.chat2desk,
            importLimitBytes: options.importBodyLimitBytes ?? DEFAULT_IMPORT_LIMIT_BYTES,
            ...(options.requestsPerSecond === undefined
              ? {}
              : { accountPerSecond: options.requestsPerSecond }),
          }
        : undefined,
    });
  }
}

/** A number of proxies means: trust that many hops from this server (proxy-addr's reading). */
function fastifyTrustProxy(
  trust: TrustProxy,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}
