// Contacts CSV import benchmark: rows per second and what it costs Node, for files of growing size.
//
//   npm run build && node bench/import.mjs [--rows 100000,1000000] [--batch-size 1000]
//
// For each size, a CSV is generated into a temporary file (not timed), then imported from a file
// stream into a fresh scratch database with a list, as `broadcaster contacts import FILE --list` does.
// With DATABASE_URL the scratch databases are created on that server (and dropped afterwards);
// without it, an embedded PostgreSQL is started on a temporary data directory. Prints figures only:
// they depend on the machine, so there is nothing to pass or fail. Flat peak RSS across sizes is
// the point: memory must not grow with the file.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { importContactsCsv } from '../dist/contacts/importContacts.js';
import { migrate } from '../dist/db/migrator.js';
import { admin, mb, startServer, withDatabase } from './support.mjs';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000,1000000' },
    'batch-size': { type: 'string', default: '1000' },
  },
});
const sizes = values.rows.split(',').map(Number);
const batchSize = Number(values['batch-size']);
if (sizes.some((n) => !Number.isInteger(n) || n < 1))
  throw new Error(`--rows: positive integers: ${values.rows}`);
if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error('--batch-size: not a positive integer');

const server = await startServer();
const workDir = await mkdtemp(join(tmpdir(), 'broadcaster-import-bench-'));
try {
  for (const rows of sizes) {
    const file = join(workDir, `contacts-${rows}.csv`);
    await pipeline(Readable.from(generateCsv(rows)), createWriteStream(file));
    const { size } = await stat(file);
    await withScratchDatabase(async (sql) => {
      const rssBefore = process.memoryUsage.rss();
      let peakRss = rssBefore;
      const sample = () => {
        peakRss = Math.max(peakRss, process.memoryUsage.rss());
      };
      const sampler = setInterval(sample, 20);
      const started = performance.now();
      const report = await importContactsCsv(sql, createReadStream(file), {
        now: new Date(),
        phoneRegion: 'RU',
        list: 'bench',
        batchSize,
        onProgress: sample,
      });
      const seconds = (performance.now() - started) / 1000;
      clearInterval(sampler);
      sample();
      const [{ stored }] = await sql`select count(*)::int as stored from contacts`;

      console.log(
        `file              ${rows.toLocaleString('en')} rows, ${mb(size)}, batch ${batchSize.toLocaleString('en')}`,
      );
      console.log(
        `report            inserted ${report.inserted.toLocaleString('en')}, updated ${report.updated.toLocaleString('en')}, rejected ${report.rejected.toLocaleString('en')}, warned ${(report.warned ?? 0).toLocaleString('en')}, repeated ${(report.repeated ?? 0).toLocaleString('en')} (${stored.toLocaleString('en')} contacts stored)`,
      );
      console.log(`import time       ${seconds.toFixed(2)} s`);
      console.log(`throughput        ${Math.round(rows / seconds).toLocaleString('en')} rows/s`);
      console.log(
        `Node RSS          ${mb(rssBefore)} before, ${mb(peakRss)} peak (+${mb(peakRss - rssBefore)})`,
      );
      console.log('');
    });
    await rm(file, { force: true });
  }
} finally {
  await rm(workDir, { recursive: true, force: true });
  await server.stop();
}

/**
 * A realistic file, 2,000 lines a chunk: phones written several ways, names with commas and quotes,
 * zones, consent as words and as times, attribute columns with empty cells, one bad phone in 100
 * and one phone in 50 repeated later in the file.
 */
function* generateCsv(rows) {
  const zones = ['Europe/Moscow', 'Asia/Almaty', '', 'Europe/Samara', 'Asia/Yekaterinburg'];
  const consent = ['true', 'false', '', 'yes', '2026-10-01T09:00:00+03:00'];
  yield 'phone,name,timezone,opted_in,opt_in_source,tier,city,last_order\n';
  let chunk = '';
  for (let i = 1; i <= rows; i++) {
    const n = i % 50 === 0 ? i - 7 : i;
    const digits = String(9_000_000_000 + n);
    const phone =
      i % 100 === 0
        ? `12-${n}`
        : i % 3 === 0
          ? `+7 (${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6, 8)}-${digits.slice(8)}`
          : `7${digits}`;
    const name = i % 10 === 0 ? `"Ivanov, Ivan ""${i}"""` : `Client ${i}`;
    chunk += `${phone},${name},${zones[i % zones.length]},${consent[i % consent.length]},bench,${i % 4 === 0 ? 'gold' : ''},City ${i % 300},2026-0${1 + (i % 9)}-15\n`;
    if (i % 2000 === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

async function withScratchDatabase(work) {
  const database = `broadcaster_bench_${randomBytes(4).toString('hex')}`;
  await admin(server.url, `create database "${database}"`);
  const url = withDatabase(server.url, database);
  const sql = postgres(url, { max: 4, onnotice: () => {} });
  try {
    await migrate(url);
    await work(sql);
  } finally {
    await sql.end({ timeout: 5 });
    await admin(server.url, `drop database if exists "${database}" with (force)`);
  }
}
