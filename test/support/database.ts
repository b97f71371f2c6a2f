import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { connectDatabase, type Database } from '../../src/db/database.js';
import { adminQuery, withDatabase } from './databaseUrls.js';

export interface TestDatabase extends Database {
  name: string;
  /** Closes the connections and drops the database. */
  drop(): Promise<void>;
}

/** A fresh, migrated database of this test file's own, cloned from the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = inject('databaseServerUrl');
  const name = `broadcaster_test_${randomBytes(6).toString('hex')}`;
  await cloneTemplate(serverUrl, inject('templateDatabase'), name);
  const db = connectDatabase(withDatabase(serverUrl, name), { max: 5, applicationName: 'broadcaster-test' });
  return {
    ...db,
    name,
    async drop() {
      await db.close();
      await adminQuery(serverUrl, `drop database if exists "${name}" with (force)`);
    },
  };
}

/** An empty database (no migrations), for testing the migrator itself. */
export async function createEmptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = inject('databaseServerUrl');
  const name = `broadcaster_empty_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `create database "${name}"`);
  return {
    url: withDatabase(serverUrl, name),
    drop: () => adminQuery(serverUrl, `drop database if exists "${name}" with (force)`),
  };
}

async function cloneTemplate(serverUrl: string, template: string, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await adminQuery(serverUrl, `create database "${name}" template "${template}"`);
      return;
    } catch (error) {
      // 55006: the template is briefly in use by another file's clone; try again.
      if ((error as { code?: string }).code !== '55006' || attempt >= 20) throw error;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}
