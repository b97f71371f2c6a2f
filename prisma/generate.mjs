// Generates the Prisma client (src/db/generated/prisma) at install time, offline.
// `prisma generate` insists that a schema engine binary exists although generating never runs it;
// where Prisma could not download one (no internet), point it at a stub file.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) {
  const stub = join(root, 'node_modules', '.cache', 'prisma-schema-engine-stub');
  if (!existsSync(stub)) {
    mkdirSync(dirname(stub), { recursive: true });
    writeFileSync(
      stub,
      '#!/bin/sh\necho "schema engine stub: prisma migrate is not available here; use broadcaster migrate" >&2\nexit 1\n',
      { mode: 0o755 },
    );
  }
  env.PRISMA_SCHEMA_ENGINE_BINARY = stub;
}
const prismaCli = createRequire(import.meta.url).resolve('prisma/build/index.js');
const result = spawnSync(
  process.execPath,
  [prismaCli, 'generate', '--schema', join(root, 'prisma', 'schema.prisma')],
  {
    cwd: root,
    env,
    stdio: 'inherit',
  },
);
process.exit(result.status ?? 1);
