import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module run by npm's postinstall, without type declarations
import { MARK, patchPostgresJs } from '../../src/db/patchPostgresJs.mjs';

const root = join(dirname(createRequire(import.meta.url).resolve('postgres')), '..', '..');

describe('the postgres.js patch (src/db/patchPostgresJs.mjs, run at install)', () => {
  it('is applied to both builds of the installed postgres.js, three changes each', () => {
    for (const file of [join(root, 'src', 'connection.js'), join(root, 'cjs', 'src', 'connection.js')]) {
      const text = readFileSync(file, 'utf8');
      expect(text.split(MARK).length - 1, file).toBe(3);
      expect(text).toContain('if (socket === null)');
    }
  });

  it('is idempotent: running it again changes nothing', () => {
    const results = patchPostgresJs() as Array<{ applied: number; patched: boolean }>;
    expect(results.map((r) => [r.applied, r.patched])).toEqual([
      [0, true],
      [0, true],
    ]);
  });
});
