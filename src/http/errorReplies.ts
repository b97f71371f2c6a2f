import type { FastifyInstance } from 'fastify';
import type { Logger } from '../logger.js';
import { errorBody, toErrorResponse } from './errors.js';

/** Every failure, and every path no route serves, answers {"error": {code, message, details}}. */
export function registerErrorReplies(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((error, request, reply) => {
    const { status, body } = toErrorResponse(error);
    if (body.error.code === 'unsupported_media_type' && request.headers['content-type'] !== undefined) {
      const type = request.headers['content-type'].split(';')[0]!.trim().slice(0, 80);
      body.error.message = `a body of type "${type}" is not read here: send application/json (a campaign may also be YAML, an import text/csv or a multipart/form-data file)`;
    }
    // The route's pattern, not the URL: a web hook's path holds its secret.
    const route = `${request.method} ${request.routeOptions.url ?? '(no route)'}`;
    if (status >= 500) logger.error({ err: error, route }, 'request failed');
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
}
