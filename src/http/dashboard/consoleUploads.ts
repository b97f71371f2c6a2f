import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse/sync';

/** An upload waits this long for its column mapping, then it is forgotten. */
export const UPLOAD_TTL_MS = 60 * 60 * 1000;
/** The head of a file read for its preview: enough for a header and ten rows of any sane file. */
const PREVIEW_BYTES = 256 * 1024;
const PREVIEW_ROWS = 10;
const ID = /^[0-9a-f]{32}$/;

/** The first rows of an uploaded CSV, for the preview and the column mapping. */
export interface UploadPreview {
  header: string[];
  rows: string[][];
  /** Why the head could not be read as CSV (the import will say where, row by row). */
  problem?: string;
}

/**
 * Files uploaded through the console, kept between the upload and the import their column mapping
 * starts: in a private directory of this machine (0700, each file 0600), named by a random id that
 * is all a later request may give (never a path), forgotten after UPLOAD_TTL_MS. The import itself
 * streams from the file, as the API's import streams from its request.
 */
export class ConsoleUploads {
  readonly #dir: string;

  constructor(dir = join(tmpdir(), 'broadcaster-console-uploads')) {
    this.#dir = dir;
  }

  /** Stores `file` (at most `limitBytes`: a longer one fails and nothing is kept); its new id. */
  async save(file: Readable): Promise<string> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    await this.forgetOld(Date.now());
    const id = randomBytes(16).toString('hex');
    const path = join(this.#dir, `${id}.csv`);
    try {
      await pipeline(file, createWriteStream(path, { mode: 0o600, flags: 'wx' }));
    } catch (error) {
      await rm(path, { force: true });
      throw error;
    }
    return id;
  }

  /** The file's path, if `id` names a kept upload. */
  async path(id: string): Promise<string | undefined> {
    if (!ID.test(id)) return undefined;
    const path = join(this.#dir, `${id}.csv`);
    try {
      await stat(path);
      return path;
    } catch {
      return undefined;
    }
  }

  /** The file's header and first rows, read from its head only, however big it is. */
  async preview(id: string): Promise<UploadPreview | undefined> {
    const path = await this.path(id);
    if (path === undefined) return undefined;
    const handle = await open(path, 'r');
    let text: string;
    try {
      const buffer = Buffer.alloc(PREVIEW_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, PREVIEW_BYTES, 0);
      text = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
    // The head may end mid-row: only whole lines are read.
    const whole = text.length === PREVIEW_BYTES ? text.slice(0, text.lastIndexOf('\n') + 1) : text;
    let records: string[][];
    try {
      records = parse(whole, {
        bom: true,
        relax_column_count: true,
        relax_quotes: true,
        skip_empty_lines: true,
        to: PREVIEW_ROWS + 1,
      }) as string[][];
    } catch (error) {
      return { header: [], rows: [], problem: (error as Error).message };
    }
    const [header = [], ...rows] = records;
    return { header: header.map((name) => name.trim()), rows };
  }

  /** A stream of the file, for the import. */
  async open(id: string): Promise<Readable | undefined> {
    const path = await this.path(id);
    return path === undefined ? undefined : createReadStream(path);
  }

  async forget(id: string): Promise<void> {
    if (ID.test(id)) await rm(join(this.#dir, `${id}.csv`), { force: true });
  }

  /** Forgets uploads older than UPLOAD_TTL_MS (called at each new upload). */
  async forgetOld(now: number): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(this.#dir, name);
      const info = await stat(path).catch(() => undefined);
      if (info && now - info.mtimeMs > UPLOAD_TTL_MS) await rm(path, { force: true });
    }
  }
}
