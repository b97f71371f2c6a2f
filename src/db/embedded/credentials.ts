import { randomBytes } from 'node:crypto';
import { chmod, open, readFile, rename, rm } from 'node:fs/promises';
import { BroadcasterError } from '../../errors.js';

/** The embedded cluster's two passwords: its superuser's, and the engine's own (owner) role's. */
export interface EmbeddedCredentials {
  superuserPassword: string;
  ownerPassword: string;
}

const PASSWORD = /^[A-Za-z0-9_-]{32,}$/;

/**
 * Beside the data directory, not inside it: the engine's user keeps it (mode 0600), the `postgres`
 * system user that runs the server under root never needs it, and it outlives the server.
 */
export function credentialsPathOf(dataDir: string): string {
  return `${dataDir}.credentials.json`;
}

/** 256 random bits, url-safe, so it goes into a connection URL as it is. */
export function randomPassword(): string {
  return randomBytes(32).toString('base64url');
}

export function newCredentials(): EmbeddedCredentials {
  return { superuserPassword: randomPassword(), ownerPassword: randomPassword() };
}

/** The credentials kept at `path`; undefined when there is no file (a cluster older than the file). */
export async function readCredentials(path: string): Promise<EmbeddedCredentials | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new BroadcasterError(
      'embedded_postgres_failed',
      `cannot read the embedded PostgreSQL's passwords from ${path} (${code}); run as the user who owns it`,
      { path },
    );
  }
  // No `cause` and no excerpt: a parse error quotes the text it choked on.
  const parsed = parseCredentials(text);
  if (!parsed) {
    throw new BroadcasterError(
      'embedded_postgres_failed',
      `${path} is not a passwords file of the embedded PostgreSQL; restore it, or move it and the data directory away to start afresh`,
      { path },
    );
  }
  await chmod(path, 0o600); // in case someone widened it
  return parsed;
}

function parseCredentials(text: string): EmbeddedCredentials | undefined {
  try {
    const value = JSON.parse(text) as Partial<EmbeddedCredentials>;
    const { superuserPassword, ownerPassword } = value;
    if (typeof superuserPassword !== 'string' || !PASSWORD.test(superuserPassword)) return undefined;
    if (typeof ownerPassword !== 'string' || !PASSWORD.test(ownerPassword)) return undefined;
    return { superuserPassword, ownerPassword };
  } catch {
    return undefined;
  }
}

/** Written whole or not at all: a 0600 file beside it, flushed, then renamed over it. */
export async function writeCredentials(path: string, credentials: EmbeddedCredentials): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const file = await open(temporary, 'wx', 0o600);
    try {
      await file.writeFile(`${JSON.stringify(credentials, null, 2)}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new BroadcasterError(
      'embedded_postgres_failed',
      `cannot write the embedded PostgreSQL's passwords to ${path} (${(error as NodeJS.ErrnoException).code})`,
      { path },
    );
  }
}

/** A URL into the embedded server: 127.0.0.1 only, and the password needs no escaping. */
export function embeddedUrl(port: number, role: string, password: string, database: string): string {
  return `postgres://${role}:${password}@127.0.0.1:${port}/${database}`;
}
