// Hostile inputs: how long each one holds the process before it is refused (issue 13's bombs).
//
//   npm run build && node bench/inputBombs.mjs [--dist path/to/another/checkout/dist]
//
// Reads the built code (dist/, or another checkout's with --dist, to compare versions) directly: the
// CSV reader over a 40,000-column header, campaign YAML with 60,000 and 15,000 keys, and templates of
// 8,192 and 1,000 `{{a}}`. Prints milliseconds and the outcome; the figures depend on the machine, so
// nothing passes or fails here (test/hostile asserts the refusals and /healthz staying responsive).
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { dist: { type: 'string', default: 'dist' } } });
const dist = pathToFileURL(`${resolve(values.dist)}/`).href;
const { CsvReader } = await import(`${dist}csv/csvReader.js`);
const { readCampaignSource } = await import(`${dist}campaigns/campaignSource.js`);
const { validateCampaignDefinition } = await import(`${dist}campaigns/definition.js`);
const { compileTemplate } = await import(`${dist}templating/template.js`);

async function timed(label, run) {
  const started = performance.now();
  let outcome;
  try {
    outcome = (await run()) ?? 'accepted';
  } catch (error) {
    outcome = `refused: ${String(error.message).slice(0, 70)}`;
  }
  console.log(`${label.padEnd(44)} ${(performance.now() - started).toFixed(0).padStart(7)} ms  ${outcome}`);
}

const columns = 40_000;
const header = Array.from({ length: columns }, (_, i) => `c${i}`).join(',');
const csv = Buffer.from(`${header}\n${'1,'.repeat(columns - 1)}1\n`);
await timed(`CSV header of ${columns} columns (${Math.round(csv.length / 1024)} KB)`, async () => {
  for await (const _item of new CsvReader(Readable.from([csv]))) {
    // read to the end
  }
});

for (const keys of [60_000, 15_000]) {
  const yaml = `name: x\n${Array.from({ length: keys }, (_, i) => `key${i}: ${i}`).join('\n')}\n`;
  await timed(`campaign YAML of ${keys} keys (${Math.round(yaml.length / 1024)} KB)`, () => {
    const source = readCampaignSource(yaml, 'yaml');
    validateCampaignDefinition(source.value ?? source, { now: new Date() });
  });
}

for (const expressions of [8_192, 1_000]) {
  await timed(`template of ${expressions} {{a}}, compiled and rendered`, () => {
    const result = compileTemplate('{{a}}'.repeat(expressions)).render({ a: 'x' });
    return result.ok ? `rendered ${result.text.length} characters` : `not rendered: ${result.problem}`;
  });
}
