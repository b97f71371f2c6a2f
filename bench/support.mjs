// What the benchmarks share: a scratch database on DATABASE_URL's server or on an embedded PostgreSQL.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import postgres from 'postgres';
import { startEmbeddedPostgres } from '../dist/db/embeddedPostgres.js';
import { migrate } from '../dist/db/migrator.js';

/** A freshly migrated database of the benchmark's own; `drop()` removes it (and the embedded server). */
export async function scratchDatabase(prefix = 'broadcaster_bench') {
  const server = await startServer();
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await admin(server.url, `create database "${name}"`);
  const url = withDatabase(server.url, name);
  await migrate(url);
  return {
    url,
    async drop() {
      await admin(server.url, `drop database if exists "${name}" with (force)`);
      await server.stop();
    },
  };
}

export async function startServer() {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => {} };
  const dataDir = join('.data', `bench-postgres-${process.pid}`);
  const embedded = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'postgres' });
  return {
    url: embedded.url,
    async stop() {
      await embedded.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function withDatabase(serverUrl, name) {
  const parsed = new URL(serverUrl);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

export async function admin(serverUrl, statement) {
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(statement);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

export const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
