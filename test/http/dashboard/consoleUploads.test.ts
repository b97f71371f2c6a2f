import { mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConsoleUploads, UPLOAD_TTL_MS } from '../../../src/http/dashboard/consoleUploads.js';

let dir: string;
let uploads: ConsoleUploads;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'uploads-test-'));
  uploads = new ConsoleUploads(join(dir, 'kept'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ConsoleUploads', () => {
  it('keeps a file under a random id, private to this user, and previews its header and first rows', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `7916${String(i).padStart(7, '0')},Name ${i}`).join(
      '\n',
    );
    const id = await uploads.save(Readable.from([`\uFEFF Phone , Name\n${rows}\n`]));
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect((await stat((await uploads.path(id))!)).mode & 0o777).toBe(0o600);
    const preview = await uploads.preview(id);
    expect(preview!.header).toEqual(['Phone', 'Name']);
    expect(preview!.rows).toHaveLength(10);
    expect(preview!.rows[0]).toEqual(['79160000000', 'Name 0']);
  });

  it('says when the head of a file is no CSV, instead of failing', async () => {
    const id = await uploads.save(Readable.from(['a,b\n"unclosed,2\n']));
    expect((await uploads.preview(id))!.problem).toMatch(/quote/i);
  });

  it('knows no id that is not one of its own: no path can be given', async () => {
    for (const id of ['../../etc/passwd', '0'.repeat(31), 'a'.repeat(32)])
      expect(await uploads.path(id)).toBeUndefined();
    expect(await uploads.preview('../x')).toBeUndefined();
  });

  it('forgets an upload when asked, and every upload older than an hour', async () => {
    const kept = await uploads.save(Readable.from(['phone\n1\n']));
    const old = await uploads.save(Readable.from(['phone\n2\n']));
    const past = new Date(Date.now() - UPLOAD_TTL_MS - 60_000);
    await utimes((await uploads.path(old))!, past, past);
    await uploads.forgetOld(Date.now());
    expect(await uploads.path(old)).toBeUndefined();
    expect(await uploads.path(kept)).toBeDefined();
    await uploads.forget(kept);
    expect(await uploads.path(kept)).toBeUndefined();
  });
});
