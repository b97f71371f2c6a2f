// Run by `npm install` (postinstall): mends two defects of postgres.js 3.4.9 (pinned in package.json)
// that end or wedge the process when PostgreSQL goes away, open upstream with fixes proposed:
//
// 1. porsager/postgres #1154, #1066, #1208 (fix PRs #1168, #1209): a small write is deferred with
//    setImmediate; when the connection closes first, `nextWrite` calls `socket.write` on null and the
//    TypeError, thrown from the immediate, ends the process. The crash suite hit it once in a
//    20,000-contact run. Patched: a write to a closed connection fails its queries with
//    CONNECTION_CLOSED (which the engine handles) instead.
// 2. The same teardown cancels the deferred write without forgetting it, so the connection never
//    schedules a write again and its next queries wait for ever. Patched: the timer and the buffered
//    bytes are dropped with the socket.
//
// Each patch replaces an exact text of 3.4.9 and is skipped, with a warning, if that text is not
// there (another version, or already patched): test/db/postgresPatch.test.ts checks they are applied.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const MARK = '/* broadcaster: patched, porsager/postgres #1208 */';

const PATCHES = [
  {
    from: `  function nextWrite(fn) {
    const x = socket.write(chunk, fn)`,
    to: `  function nextWrite(fn) {
    if (socket === null) { ${MARK}
      chunk = nextWriteTimer = null
      error(Errors.connection('CONNECTION_CLOSED', options, socket))
      return false
    }
    const x = socket.write(chunk, fn)`,
  },
  {
    from: `    clearImmediate(nextWriteTimer)
    if (socket) {`,
    to: `    clearImmediate(nextWriteTimer)
    chunk = nextWriteTimer = null ${MARK}
    if (socket) {`,
  },
  {
    from: `    clearImmediate(nextWriteTimer)
    socket.removeListener('data', data)`,
    to: `    clearImmediate(nextWriteTimer)
    chunk = nextWriteTimer = null ${MARK}
    socket.removeListener('data', data)`,
  },
];

export function patchPostgresJs() {
  const require = createRequire(import.meta.url);
  // The package exports no package.json; its CommonJS entry is cjs/src/index.js.
  const root = join(dirname(require.resolve('postgres')), '..', '..');
  const results = [];
  for (const file of [join(root, 'src', 'connection.js'), join(root, 'cjs', 'src', 'connection.js')]) {
    let text = readFileSync(file, 'utf8');
    let applied = 0;
    for (const patch of PATCHES) {
      if (text.includes(patch.to)) continue;
      if (!text.includes(patch.from)) {
        console.warn(
          `broadcaster: postgres.js patch not applied to ${file}: text not found (another version?)`,
        );
        continue;
      }
      text = text.replace(patch.from, patch.to);
      applied++;
    }
    if (applied > 0) writeFileSync(file, text);
    results.push({ file, applied, patched: PATCHES.every((p) => text.includes(p.to)) });
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of patchPostgresJs()) {
    console.log(
      `broadcaster: postgres.js ${r.patched ? 'patched' : 'NOT patched'} (${r.applied} change(s) now): ${r.file}`,
    );
  }
}
