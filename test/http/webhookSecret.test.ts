import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installationWebhookSecret, legacyWebhookSecret } from '../../src/http/webhookSecret.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/** The sandbox's well-known default token. */
const SANDBOX_TOKEN = 'sandbox-token';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

describe('installationWebhookSecret', () => {
  it('makes a random 48-hex secret once, and answers the same one ever after', async () => {
    const first = await installationWebhookSecret(db.sql);
    expect(first).toMatch(/^[0-9a-f]{48}$/);
    expect(await installationWebhookSecret(db.sql)).toBe(first);
    const rows = await db.sql`select value from installation_secrets where name = 'webhook_path'`;
    expect(rows).toEqual([{ value: first }]);
  });

  it('agrees across instances starting at once', async () => {
    const other = await createTestDatabase();
    try {
      const secrets = await Promise.all(
        Array.from({ length: 5 }, () => installationWebhookSecret(other.sql)),
      );
      expect(new Set(secrets).size).toBe(1);
    } finally {
      await other.drop();
    }
  });

  it('differs between installations', async () => {
    const other = await createTestDatabase();
    try {
      expect(await installationWebhookSecret(other.sql)).not.toBe(await installationWebhookSecret(db.sql));
    } finally {
      await other.drop();
    }
  });
});

describe('legacyWebhookSecret', () => {
  it('is derived from the token: 32 hex characters, the same each time', () => {
    const secret = legacyWebhookSecret('token-a');
    expect(secret).toMatch(/^[0-9a-f]{32}$/);
    expect(legacyWebhookSecret('token-a')).toBe(secret);
    expect(legacyWebhookSecret('token-b')).not.toBe(secret);
  });

  it('does not contain the token it was derived from', () => {
    expect(legacyWebhookSecret(SANDBOX_TOKEN)).not.toContain(SANDBOX_TOKEN);
  });
});
