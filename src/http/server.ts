import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Clock } from '../clock.js';
import type { Sql } from '../db/database.js';
import { receiveWebhookEvent, type WebhookPayload } from '../delivery/webhookEvents.js';
import type { Logger } from '../logger.js';

export interface HttpServerOptions {
  sql: Sql;
  clock: Clock;
  logger: Logger;
  /** The secret path segment of the web hook receiver: /webhooks/chat2desk/<secret>. */
  webhookSecret: string;
  bodyLimitBytes?: number;
}

/** The secret path of the web hook receiver, derived from the Chat2Desk token so every instance agrees. */
export function webhookSecretFor(chat2deskToken: string): string {
  return createHash('sha256').update(`broadcaster-webhook:${chat2deskToken}`).digest('hex').slice(0, 32);
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function apiError(code: string, message: string, details: Record<string, unknown> = {}) {
  return { error: { code, message, details } };
}

/** The engine's HTTP face: health, and the Chat2Desk web hook receiver. */
export function buildHttpServer(options: HttpServerOptions): FastifyInstance {
  const app = Fastify({
    // Fastify logs every request at info; ours are quieter: warnings and errors only.
    loggerInstance: options.logger.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    bodyLimit: options.bodyLimitBytes ?? 1_048_576,
  });

  // Keep the raw text: a replayed web hook without a message id is recognised by its body's hash.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, { raw: body as string, json: body === '' ? {} : JSON.parse(body as string) });
    } catch {
      const error = Object.assign(new Error('the body is not valid JSON'), {
        statusCode: 400,
        code: 'invalid_json',
      });
      done(error, undefined);
    }
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) options.logger.error({ err: error }, 'request failed');
    void reply
      .status(status)
      .send(apiError(error.code ?? 'internal_error', status >= 500 ? 'internal error' : error.message));
  });
  app.setNotFoundHandler((request, reply) => {
    void reply
      .status(404)
      .send(apiError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`));
  });

  app.get('/healthz', async (_request, reply) => {
    try {
      await options.sql`select 1`;
      return { status: 'ok', time: options.clock.now().toISOString() };
    } catch {
      return reply.status(503).send(apiError('database_unavailable', 'the database does not answer'));
    }
  });

  app.post<{ Params: { secret: string }; Body: { raw: string; json: unknown } }>(
    '/webhooks/chat2desk/:secret',
    async (request, reply) => {
      if (!sameSecret(request.params.secret, options.webhookSecret)) {
        return reply.status(404).send(apiError('not_found', 'no such web hook'));
      }
      const body = request.body;
      if (!body || typeof body.json !== 'object' || body.json === null || Array.isArray(body.json)) {
        return reply.status(400).send(apiError('invalid_payload', 'a web hook payload is a JSON object'));
      }
      const outcome = await receiveWebhookEvent(options.sql, body.json as WebhookPayload, body.raw, {
        now: options.clock.now(),
      });
      return { status: 'success', ...outcome };
    },
  );

  return app;
}
