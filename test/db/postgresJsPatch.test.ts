import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertPostgresJsPatched,
  POSTGRES_JS_PATCH_MARK,
  PostgresJsUnpatchedError,
  postgresJsConnectionFiles,
} from '../../src/db/postgresJsPatch.js';

const projectRoot = join(import.meta.dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  scripts: Record<string, string>;
};
const pinnedVersion = manifest.dependencies['postgres']!;
const patchDir = join(projectRoot, 'src', 'db', 'patches');
const patchFile = `postgres+${pinnedVersion}.patch`;
const installedFiles = postgresJsConnectionFiles();
const installedRoot = dirname(dirname(installedFiles[0]!));

const temporaryDirs: string[] = [];
function temporaryDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'postgres-patch-'));
  temporaryDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true });
});

function refusalOf(packageRoot: string): PostgresJsUnpatchedError | undefined {
  try {
    assertPostgresJsPatched(packageRoot);
  } catch (error) {
    if (error instanceof PostgresJsUnpatchedError) return error;
    throw error;
  }
  return undefined;
}

function unpatch(file: string): void {
  writeFileSync(file, readFileSync(file, 'utf8').replaceAll(POSTGRES_JS_PATCH_MARK, ''));
}

describe('the postgres.js patch (src/db/patches, applied by patch-package on npm install)', () => {
  it('is applied to both builds of the installed postgres.js, three changes each', () => {
    expect(installedFiles.map((file) => file.slice(installedRoot.length))).toEqual([
      '/src/connection.js',
      '/cjs/src/connection.js',
    ]);
    for (const file of installedFiles) {
      const text = readFileSync(file, 'utf8');
      expect(text.split(POSTGRES_JS_PATCH_MARK).length - 1, file).toBe(3);
      expect(text).toContain('if (socket === null)');
    }
  });

  it('is made for the pinned version, which is the one installed', () => {
    expect(readdirSync(patchDir)).toContain(patchFile);
    const installed = JSON.parse(readFileSync(join(installedRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(installed.version).toBe(pinnedVersion);
  });
});

describe('the start-up check (assertPostgresJsPatched, called by connectDatabase)', () => {
  it('lets this install start', () => {
    expect(() => assertPostgresJsPatched()).not.toThrow();
    expect(() => assertPostgresJsPatched(installedRoot)).not.toThrow();
  });

  it('refuses an unpatched postgres.js, naming the file and how to fix it', () => {
    const copy = join(temporaryDir(), 'postgres');
    cpSync(installedRoot, copy, { recursive: true });
    const [esm, cjs] = postgresJsConnectionFiles(copy) as [string, string];
    unpatch(cjs);
    const refusal = refusalOf(copy);
    expect(refusal).toBeInstanceOf(PostgresJsUnpatchedError);
    expect(refusal?.code).toBe('postgres_js_unpatched');
    expect(refusal?.files).toEqual([cjs]);
    expect(refusal?.message).toContain(cjs);
    expect(refusal?.message).toContain('`npm install` (without --ignore-scripts)');
    expect(refusal?.message).toContain('`npx patch-package --patch-dir src/db/patches`');

    unpatch(esm);
    expect(refusalOf(copy)?.files).toEqual([esm, cjs]);
  });
});

// Against the pristine package from the npm registry (npm pack, ~1 s), with the patch-package command
// of package.json's postinstall, run as npm runs it on a developer's machine (CI=false: patch-package
// fails on CI whatever the flags say).
describe(`the patch against the pristine postgres.js ${pinnedVersion} from the registry`, () => {
  let tarball = '';
  beforeAll(() => {
    const dir = temporaryDir();
    const packed = spawnSync('npm', ['pack', `postgres@${pinnedVersion}`, '--silent'], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(packed.status, packed.stderr).toBe(0);
    tarball = join(dir, packed.stdout.trim());
  });

  /** A project whose node_modules holds the pristine package and src/db/patches our patch file. */
  function pristineProject(): { dir: string; packageRoot: string } {
    const dir = temporaryDir();
    const packageRoot = join(dir, 'node_modules', 'postgres');
    mkdirSync(packageRoot, { recursive: true });
    const untar = spawnSync('tar', ['xzf', tarball, '-C', packageRoot, '--strip-components=1'], {
      encoding: 'utf8',
    });
    expect(untar.status, untar.stderr).toBe(0);
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'pristine', private: true, dependencies: { postgres: pinnedVersion } }),
    );
    cpSync(patchDir, join(dir, 'src', 'db', 'patches'), { recursive: true });
    return { dir, packageRoot };
  }

  function runPostinstallPatchPackage(cwd: string) {
    const command = manifest.scripts['postinstall']!.split('&&')
      .map((part) => part.trim())
      .find((part) => part.startsWith('patch-package '));
    expect(command).toBeDefined();
    const packageJson = createRequire(import.meta.url).resolve('patch-package/package.json');
    const bin = join(dirname(packageJson), 'index.js');
    return spawnSync(process.execPath, [bin, ...command!.split(/\s+/).slice(1)], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, CI: 'false' },
    });
  }

  it('applies cleanly and gives exactly the installed files', () => {
    const { dir, packageRoot } = pristineProject();
    expect(() => assertPostgresJsPatched(packageRoot)).toThrow(PostgresJsUnpatchedError);

    const run = runPostinstallPatchPackage(dir);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain(`postgres@${pinnedVersion} ✔`);
    const patched = postgresJsConnectionFiles(packageRoot);
    expect(patched.map((file) => readFileSync(file, 'utf8'))).toEqual(
      installedFiles.map((file) => readFileSync(file, 'utf8')),
    );
    expect(() => assertPostgresJsPatched(packageRoot)).not.toThrow();
  });

  it('fails the install, not just warns, when the upstream text has changed', () => {
    const { dir, packageRoot } = pristineProject();
    const [esm] = postgresJsConnectionFiles(packageRoot);
    const text = readFileSync(esm!, 'utf8');
    const changed = text.replace(
      '    const x = socket.write(chunk, fn)',
      '    const written = socket.write(chunk, fn)',
    );
    expect(changed).not.toBe(text);
    writeFileSync(esm!, changed);

    const run = runPostinstallPatchPackage(dir);
    expect(run.status).not.toBe(0);
    expect(run.stdout + run.stderr).toMatch(/failed to apply patch for package postgres/i);
  });
});
