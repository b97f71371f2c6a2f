// What the benchmarks share: a scratch database on DATABASE_URL's server or on an embedded PostgreSQL.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import postgres from 'postgres';
import { embeddedPostgresCredentialsPath, startEmbeddedPostgres } from '../dist/db/embeddedPostgres.js';
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
      await rm(embeddedPostgresCredentialsPath(dataDir), { force: true });
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

/** `broadcaster sandbox` as a process of its own, as Chat2Desk would be; `stop()` ends it. */
export async function startSandboxProcess(token, extraArgs = []) {
  const child = spawn(
    process.execPath,
    ['dist/cli/main.js', 'sandbox', '--port', '0', '--token', token, '--json', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'warn' } },
  );
  let out = '';
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = out.match(/"url": "([^"]+)"/);
      if (match) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`sandbox exited with ${code}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

/**
 * Processes of bench/dispatchChild.mjs with the given environment; resolves once every one has
 * connected ("ready"); `stop()` ends one, and its `done` resolves with the figures it printed last.
 */
export async function spawnDispatchers(n, env) {
  const children = Array.from({ length: n }, () => {
    const child = spawn(process.execPath, ['bench/dispatchChild.mjs'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    let out = '';
    let onReady;
    const ready = new Promise((resolve) => (onReady = resolve));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('ready\n')) onReady();
    });
    const done = new Promise((resolve, reject) =>
      child.on('exit', (code) => {
        if (code !== 0) reject(new Error(`${env.ENGINE} process exited with ${code}: ${out.slice(-2000)}`));
        else resolve(JSON.parse(out.trim().split('\n').at(-1)));
      }),
    );
    return { ready, done, stop: () => child.kill('SIGTERM') };
  });
  await Promise.all(children.map((c) => c.ready));
  return children;
}

/**
 * Waits until `open()` (one count, polled by this process only) reaches 0, then stops the dispatchers
 * and returns their figures.
 */
export async function finishDispatchers(children, open) {
  // Once a second: the figures come from the `sent` writes, not from when this loop notices.
  while ((await open()) > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
  for (const child of children) child.stop();
  return Promise.all(children.map((c) => c.done));
}
