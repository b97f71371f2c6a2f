import { execFileSync } from 'node:child_process';
import { chown, mkdir, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import { childEnvironment } from '../../config/childEnvironment.js';
import { BroadcasterError } from '../../errors.js';

/** The system user PostgreSQL runs as when the engine is root: PostgreSQL refuses to run as root. */
export const POSTGRES_SYSTEM_USER = 'postgres';

export interface RunAs {
  uid: number;
  gid: number;
}

/** Whom initdb and postgres run as: the engine's own user, or `postgres` when the engine is root. */
export function postgresRunAs(): RunAs | undefined {
  if (userInfo().uid !== 0) return undefined;
  ensurePostgresUser();
  return { uid: idOf('-u'), gid: idOf('-g') };
}

/** initdb runs as `postgres`, so the data directory (and the way to it) must be theirs to use. */
export async function prepareDataDirFor(runAs: RunAs, dataDir: string): Promise<void> {
  await mkdir(dirname(dataDir), { recursive: true });
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chown(dataDir, runAs.uid, runAs.gid);
  const info = await stat(dataDir);
  if (info.uid !== runAs.uid) {
    throw new BroadcasterError(
      'embedded_postgres_failed',
      `cannot hand ${dataDir} to ${POSTGRES_SYSTEM_USER}`,
      {
        dataDir,
      },
    );
  }
}

function ensurePostgresUser(): void {
  try {
    execFileSync('id', ['-u', POSTGRES_SYSTEM_USER], { stdio: 'ignore', env: childEnvironment() });
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', POSTGRES_SYSTEM_USER], {
      stdio: 'ignore',
      env: childEnvironment(),
    });
  }
}

function idOf(flag: '-u' | '-g'): number {
  return Number(
    execFileSync('id', [flag, POSTGRES_SYSTEM_USER], { env: childEnvironment() }).toString().trim(),
  );
}
