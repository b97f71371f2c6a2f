import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const HOSTILE_DIR = join(import.meta.dirname, '..', 'fixtures', 'hostile');

export interface HostileCase<E> {
  name: string;
  file: string;
  text: string;
  expected: E;
}

/** Every input of one entry point's corpus with its sibling `<name>.expected.json`. */
export function loadCorpus<E>(entryPoint: string, extensions: readonly string[]): HostileCase<E>[] {
  const dir = join(HOSTILE_DIR, entryPoint);
  return readdirSync(dir)
    .filter((file) => !file.endsWith('.expected.json') && extensions.some((ext) => file.endsWith(ext)))
    .sort()
    .map((file) => {
      const name = file.replace(/\.[^.]+$/, '');
      return {
        name,
        file,
        text: readFileSync(join(dir, file), 'utf8'),
        expected: JSON.parse(readFileSync(join(dir, `${name}.expected.json`), 'utf8')) as E,
      };
    });
}
