import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { transformWithOxc } from 'vite';
import { describe, expect, it } from 'vitest';

/*
 * The rooms of src/, as the folder names promise them: libraries below the domain, and no two folders
 * that need each other. Read from the import statements themselves, so a new import that breaks the
 * layering fails here with the files that make it.
 */

const SRC = resolve(import.meta.dirname, '..', 'src');
const TEST = import.meta.dirname;
/** Pure libraries: they may use each other, never a folder of the domain. */
const LIBRARIES = ['time', 'templating', 'csv', 'phones'];
/** What a library may import besides other libraries: the shared error base class. */
const LIBRARY_MAY_IMPORT = ['errors.ts'];

interface ImportEdge {
  from: string;
  to: string;
  file: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The folder of src/ a path is in ('' for a file at the top, like engine.ts). */
function folderOf(path: string): string {
  const parts = relative(SRC, path).split('/');
  return parts.length > 1 ? parts[0]! : '';
}

function importEdges(): ImportEdge[] {
  const edges: ImportEdge[] = [];
  const specifier = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]/g;
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(specifier)) {
      const target = resolve(dirname(file), match[1]!);
      const from = folderOf(file);
      const to = folderOf(target);
      if (from !== to)
        edges.push({
          from,
          to: to || relative(SRC, target).replace(/\.js$/, '.ts'),
          file: relative(SRC, file),
        });
    }
  }
  return edges;
}

/** Folders that reach each other through imports (Tarjan's strongly connected components, size > 1). */
function folderCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, Set<string>>();
  for (const e of edges) {
    if (!next.has(e.from)) next.set(e.from, new Set());
    next.get(e.from)!.add(e.to);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of next.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

describe('the folders of src/', () => {
  const edges = importEdges();
  // The top-level files (engine.ts composes everything; clock, errors and logger are used by all) are
  // not a folder: only folders are checked for cycles.
  const betweenFolders = edges.filter((e) => e.from !== '' && !e.to.endsWith('.ts'));

  it('import each other in one direction only: no folder reaches itself through others', () => {
    const cycles = folderCycles(betweenFolders).map((folders) => ({
      folders,
      imports: betweenFolders
        .filter((e) => folders.includes(e.from) && folders.includes(e.to))
        .map((e) => `${e.file} → ${e.to}`),
    }));
    expect(cycles).toEqual([]);
  });

  it('keep the libraries (time, templating, csv, phones) below the domain', () => {
    const upward = edges
      .filter((e) => LIBRARIES.includes(e.from))
      .filter((e) => !LIBRARIES.includes(e.to) && !LIBRARY_MAY_IMPORT.includes(e.to))
      .map((e) => `${e.file} → ${e.to}`);
    expect(upward).toEqual([]);
  });

  it('are found: the check reads real imports', () => {
    expect(betweenFolders.some((e) => e.from === 'campaigns' && e.to === 'templating')).toBe(true);
    expect(folderCycles([...betweenFolders, { from: 'time', to: 'campaigns', file: 'x' }])).not.toEqual([]);
  });
});

/** Whether a source file holds logic: its JavaScript, types erased, defines a function or a class. */
async function holdsLogic(file: string): Promise<boolean> {
  const { code } = await transformWithOxc(readFileSync(file, 'utf8'), file, { lang: 'ts' });
  const withoutComments = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return /\bfunction\b|\bclass\b|=>/.test(withoutComments);
}

/** test/a/b.test.ts or test/a/b.<aspect>.test.ts for src/a/b.ts. */
function hasTestNamedAfter(file: string): boolean {
  const base = relative(SRC, file).replace(/\.ts$/, '');
  const folder = join(TEST, dirname(base));
  const name = base.split('/').pop()!;
  if (existsSync(join(TEST, `${base}.test.ts`))) return true;
  return (
    existsSync(folder) && readdirSync(folder).some((f) => f.startsWith(`${name}.`) && f.endsWith('.test.ts'))
  );
}

describe('the files of src/', () => {
  const files = sourceFiles(SRC);
  const withLogic = async () => {
    const logic = await Promise.all(files.map(holdsLogic));
    return files.filter((_, index) => logic[index]);
  };

  it('each have a test named after them when they hold logic (test/ mirrors src/)', async () => {
    const untested = (await withLogic())
      .filter((file) => !hasTestNamedAfter(file))
      .map((f) => relative(SRC, f));
    expect(untested).toEqual([]);
  });

  it('are told apart: declarations and constants alone are not logic, a function or a class is', async () => {
    const logic = (await withLogic()).map((f) => relative(SRC, f));
    expect(logic).not.toContain('chat2desk/types.ts');
    expect(logic).not.toContain('db/channels.ts');
    expect(logic).toContain('delivery/states.ts');
    expect(logic).toContain('delivery/claimSettler.ts');
    expect(logic.length).toBeGreaterThan(200);
  });
});
