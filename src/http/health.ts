import type { FastifyInstance } from 'fastify';
import type { Clock } from '../clock.js';
import type { Sql } from '../db/database.js';
import { errorBody } from './errors.js';

/** GET /healthz: whether the engine and its database answer, for load balancers and scripts. */
export function registerHealth(app: FastifyInstance, deps: { sql: Sql; clock: Clock }): void {
  app.get(
    '/healthz',
    { schema: { tags: ['meta'], summary: 'Whether the engine and its database answer', security: [] } },
    async (_request, reply) => {
      try {
        await deps.sql`select 1`;
        return { status: 'ok', time: deps.clock.now().toISOString() };
      } catch {
        return reply.status(503).send(errorBody('database_unavailable', 'the database does not answer'));
      }
    },
  );
}
