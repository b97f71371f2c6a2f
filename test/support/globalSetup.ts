import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { embeddedPostgresCredentialsPath, startEmbeddedPostgres } from '../../src/db/embeddedPostgres.js';
import { migrate } from '../../src/db/migrator.js';
import { adminQuery, withDatabase } from './databaseUrls.js';
import { freePort } from './freePort.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL server URL whose database may run CREATE/DROP DATABASE. */
    databaseServerUrl: string;
    /** A freshly migrated database that test files clone. */
    templateDatabase: string;
  }
}

/**
 * One PostgreSQL for the whole run: TEST_DATABASE_URL when given, else an embedded server of the
 * tests' own. A migrated template database is made once; each test file clones it.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let serverUrl = process.env.TEST_DATABASE_URL;
  let stopEmbedded = async () => {};
  if (!serverUrl) {
    // A cluster of this run's own, so parallel runs never share (or stop) each other's server.
    const dataDir = join('.data', `test-postgres-${process.pid}`);
    const embedded = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'postgres' });
    serverUrl = embedded.url;
    stopEmbedded = async () => {
      await embedded.stop();
      await rm(dataDir, { recursive: true, force: true });
      await rm(embeddedPostgresCredentialsPath(dataDir), { force: true });
    };
  }
  const template = `broadcaster_tpl_${process.pid}_${Date.now().toString(36)}`;
  await adminQuery(serverUrl, `create database "${template}"`);
  await migrate(withDatabase(serverUrl, template));

  project.provide('databaseServerUrl', serverUrl);
  project.provide('templateDatabase', template);

  return async () => {
    await adminQuery(serverUrl, `drop database if exists "${template}" with (force)`);
    await stopEmbedded();
  };
}
