import { createHash, randomBytes } from 'node:crypto';
import type { Sql } from '../db/database.js';

const NAME = 'webhook_path';

/**
 * The secret path segment of the web hook receiver (/webhooks/chat2desk/<secret>): random, made once
 * per installation and kept in the database, so every instance agrees and nobody can work it out —
 * not from the Chat2Desk token, and not from the sandbox's well-known one.
 */
export async function installationWebhookSecret(sql: Sql): Promise<string> {
  const candidate = randomBytes(24).toString('hex');
  await sql`insert into installation_secrets (name, value) values (${NAME}, ${candidate}) on conflict (name) do nothing`;
  const [row] = await sql<{ value: string }[]>`select value from installation_secrets where name = ${NAME}`;
  if (!row) throw new Error('the web hook secret could not be stored');
  return row.value;
}

/**
 * The path earlier versions derived from the Chat2Desk token: a hook registered with it is ours, to be
 * replaced by the random one, never taken for another integration's.
 */
export function legacyWebhookSecret(chat2deskToken: string): string {
  return createHash('sha256').update(`broadcaster-webhook:${chat2deskToken}`).digest('hex').slice(0, 32);
}
