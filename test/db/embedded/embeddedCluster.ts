import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import {
  initialiseCluster,
  type Postmaster,
  startPostmaster,
} from '../../../src/db/embedded/postgresServer.js';
import { postgresRunAs, prepareDataDirFor, type RunAs } from '../../../src/db/embedded/postgresUser.js';
import type { Logger } from '../../../src/logger.js';
import { freePort } from '../../support/freePort.js';

/** A started throwaway cluster: where it lives, how to reach it, and what it logged. */
export interface EmbeddedCluster {
  /** The temp directory holding the data directory (and anything a test puts beside it). */
  dir: string;
  dataDir: string;
  port: number;
  runAs: RunAs | undefined;
  /** The debug logger the cluster was made and started with; every line lands in `logLines`. */
  logger: Logger;
  logLines: string[];
  postmaster: Postmaster;
  /** Stops the server (again, if a test already did) and removes the temp directory. */
  stop(): Promise<void>;
}

/** Initialises a cluster with the given superuser password in a fresh temp dir and starts it on a free port. */
export async function startEmbeddedCluster(options: {
  dirPrefix: string;
  superuserPassword: string;
}): Promise<EmbeddedCluster> {
  const logLines: string[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    }),
  );
  const dir = await mkdtemp(join(tmpdir(), options.dirPrefix));
  try {
    await chmod(dir, 0o755); // as root, PostgreSQL runs as `postgres`, who must reach the data directory
    const dataDir = join(dir, 'postgres');
    const runAs = postgresRunAs();
    if (runAs) await prepareDataDirFor(runAs, dataDir);
    const port = await freePort();
    await initialiseCluster({ dataDir, superuserPassword: options.superuserPassword, runAs, logger });
    const postmaster = await startPostmaster({ dataDir, port, runAs, logger });
    return {
      dir,
      dataDir,
      port,
      runAs,
      logger,
      logLines,
      postmaster,
      async stop() {
        await postmaster.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
