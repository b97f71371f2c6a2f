import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BroadcasterError } from '../errors.js';

// postgres.js 3.4.9 (pinned in package.json) ends or wedges the process when PostgreSQL goes away
// (porsager/postgres #1154, #1066, #1208; fix PRs #1168, #1209, open upstream):
// 1. a small write is deferred with setImmediate; when the connection closes first, `nextWrite` calls
//    `socket.write` on null and the TypeError, thrown from the immediate, ends the process (the crash
//    suite hit it once in a 20,000-contact run). Patched: the queries fail with CONNECTION_CLOSED,
//    which the engine handles.
// 2. the same teardown cancels the deferred write without forgetting it, so the connection never
//    schedules a write again and its next queries wait for ever. Patched: the timer and the buffered
//    bytes are dropped with the socket.
// src/db/patches/postgres+3.4.9.patch makes both changes in the ESM and CommonJS builds; patch-package
// applies it on `npm install` and fails the install when it no longer applies. `--ignore-scripts`
// skips it, hence this check at start-up.

/** The comment the patch leaves beside each of its changes in postgres.js's connection.js. */
export const POSTGRES_JS_PATCH_MARK = '/* broadcaster: patched, porsager/postgres #1208 */';

/** The installed postgres.js lacks the patch: the engine would die or hang on a database outage. */
export class PostgresJsUnpatchedError extends BroadcasterError {
  readonly files: string[];

  constructor(files: string[]) {
    super(
      'postgres_js_unpatched',
      `postgres.js is not patched (${files.join(', ')}): without src/db/patches/postgres+3.4.9.patch ` +
        'a PostgreSQL outage can end the process or leave its queries waiting for ever. ' +
        'Run `npm install` (without --ignore-scripts), or apply the patch with ' +
        '`npx patch-package --patch-dir src/db/patches`.',
      { files },
    );
    this.files = files;
  }
}

/**
 * The connection.js files of postgres.js, in its ESM build (src/) and, when present, its CommonJS
 * build (cjs/src/): under the installed package's root, or under `packageRoot` (a copy, for tests).
 */
export function postgresJsConnectionFiles(packageRoot?: string): string[] {
  const root = packageRoot ?? installedPackageRoot();
  const esm = join(root, 'src', 'connection.js');
  const cjs = join(root, 'cjs', 'src', 'connection.js');
  return existsSync(cjs) ? [esm, cjs] : [esm];
}

/** The directory of the installed postgres package: up from its entry point to its own package.json. */
function installedPackageRoot(): string {
  // require.resolve, not import.meta.resolve: the latter is missing where modules are run by a loader
  // of their own (vitest's), and both find the same package.
  const entry = createRequire(import.meta.url).resolve('postgres');
  for (let dir = dirname(entry); dirname(dir) !== dir; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    // cjs/package.json only says {"type": "commonjs"}: the package's own names it.
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'postgres') return dir;
  }
  throw new Error(`postgres.js: no package.json of its own above ${entry}`);
}

let installedVerified = false;

/**
 * Refuses to run on a postgres.js without the patch. Reads the installed files once per process;
 * `packageRoot` points the check at another copy of the package (tests only).
 */
export function assertPostgresJsPatched(packageRoot?: string): void {
  if (!packageRoot && installedVerified) return;
  const unpatched = postgresJsConnectionFiles(packageRoot).filter(
    (file) => !readFileSync(file, 'utf8').includes(POSTGRES_JS_PATCH_MARK),
  );
  if (unpatched.length) throw new PostgresJsUnpatchedError(unpatched);
  if (!packageRoot) installedVerified = true;
}
