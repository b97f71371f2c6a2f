import { request as httpRequest } from 'node:http';
import type { Readable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  importCsvBody,
  registerCsvBodyParser,
  registerMultipartCsv,
} from '../../../src/http/api/csvUpload.js';
import { registerErrorReplies } from '../../../src/http/errorReplies.js';
import { HttpError } from '../../../src/http/errors.js';
import { silentLogger } from '../../../src/logger.js';

const LIMIT = 64;

let app: FastifyInstance;
let port: number;
/** What each import read, in order; what the importer does with a body it does not like. */
let imported: string[];
let importerError: Error | undefined;
/** The form fields the last import was given. */
let fieldsSeen: Readonly<Record<string, string>> | undefined;

async function readAll(input: Readable): Promise<string> {
  let text = '';
  for await (const chunk of input) text += String(chunk);
  return text;
}

beforeAll(async () => {
  app = Fastify();
  registerErrorReplies(app, silentLogger);
  registerCsvBodyParser(app);
  await registerMultipartCsv(app, LIMIT);
  app.post('/import', (request) =>
    importCsvBody(request, LIMIT, async (input, fields) => {
      fieldsSeen = fields;
      let text: string;
      try {
        text = await readAll(input);
      } catch {
        // An importer says what it saw: a broken stream, not why it broke.
        throw new Error('the CSV ended in the middle of a row');
      }
      if (importerError) throw importerError;
      imported.push(text);
      return { rows: text.split('\n').filter((l) => l !== '').length };
    }),
  );
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as { port: number }).port;
});
afterAll(async () => {
  await app?.close();
});
beforeEach(() => {
  imported = [];
  importerError = undefined;
});

/** POST /import over real HTTP: the chunks are written one by one; chunked unless `length` is given. */
function post(
  chunks: string[],
  headers: Record<string, string | number>,
): Promise<{
  status: number;
  body: { error?: { code: string; details: unknown } } & Record<string, unknown>;
}> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/import', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    // The server may answer and close before the whole body is written: that is the point.
    req.on('error', (error) => {
      if (
        (error as NodeJS.ErrnoException).code !== 'EPIPE' &&
        (error as NodeJS.ErrnoException).code !== 'ECONNRESET'
      )
        reject(error);
    });
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('a CSV import body', () => {
  it('reaches the importer whole, as sent, in chunks', async () => {
    const answer = await post(['phone,name\n', '79001112233,Ann\n', '79001112234,Bob\n'], {
      'content-type': 'text/csv',
    });

    expect(answer).toEqual({ status: 200, body: { rows: 3 } });
    expect(imported).toEqual(['phone,name\n79001112233,Ann\n79001112234,Bob\n']);
  });

  it('is read as CSV under application/csv too', async () => {
    const answer = await post(['phone\n79001112233\n'], { 'content-type': 'application/csv; charset=utf-8' });

    expect(answer).toEqual({ status: 200, body: { rows: 2 } });
    expect(imported).toEqual(['phone\n79001112233\n']);
  });

  it('of exactly the limit is taken', async () => {
    const body = `phone\n${'7'.repeat(LIMIT - 7)}\n`;
    expect(Buffer.byteLength(body)).toBe(LIMIT);

    const answer = await post([body], { 'content-type': 'text/csv' });

    expect(answer.status).toBe(200);
    expect(imported).toEqual([body]);
  });

  it('declared larger than the limit is refused with 413 before the importer reads anything', async () => {
    const body = 'x'.repeat(LIMIT + 1);

    const answer = await post([body], { 'content-type': 'text/csv', 'content-length': LIMIT + 1 });

    expect(answer.status).toBe(413);
    expect(answer.body).toEqual({
      error: {
        code: 'body_too_large',
        message: `the CSV is larger than ${LIMIT} bytes`,
        details: { limitBytes: LIMIT },
      },
    });
    expect(imported).toEqual([]);
  });

  it('that grows past the limit without a length is a 413, whatever the importer said of the broken stream', async () => {
    const answer = await post(['phone,name\n', 'y'.repeat(LIMIT), '\n'], { 'content-type': 'text/csv' });

    expect(answer.status).toBe(413);
    expect(answer.body.error).toMatchObject({ code: 'body_too_large', details: { limitBytes: LIMIT } });
    expect(imported).toEqual([]);
  });

  it("within the limit leaves the importer's own refusal as it is", async () => {
    importerError = new HttpError(422, 'invalid_csv', 'no phone column');

    const answer = await post(['name\nAnn\n'], { 'content-type': 'text/csv' });

    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({ code: 'invalid_csv' });
  });

  it('sent as JSON is refused with 415: the file goes as the body, as text/csv', async () => {
    const answer = await post([JSON.stringify({ phone: '79001112233' })], {
      'content-type': 'application/json',
    });

    expect(answer.status).toBe(415);
    expect(answer.body.error).toMatchObject({ code: 'unsupported_media_type' });
    expect(imported).toEqual([]);
  });
});

const BOUNDARY = 'csv-form-boundary';

/** A multipart/form-data body as a browser form sends it: fields, then (when given) the file. */
function form(
  fields: Record<string, string>,
  file?: string,
): { chunks: string[]; headers: Record<string, string> } {
  const parts = Object.entries(fields).map(
    ([name, value]) => `--${BOUNDARY}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  if (file !== undefined) {
    parts.push(
      `--${BOUNDARY}\r\ncontent-disposition: form-data; name="file"; filename="contacts.csv"\r\n` +
        `content-type: text/csv\r\n\r\n${file}\r\n`,
    );
  }
  parts.push(`--${BOUNDARY}--\r\n`);
  return { chunks: parts, headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` } };
}

describe('a CSV import sent as a multipart/form-data form', () => {
  it('streams its file to the importer with the fields sent before it', async () => {
    const { chunks, headers } = form({ list: 'vip' }, 'phone\n79001112233\n');

    const answer = await post(chunks, headers);

    expect(answer).toEqual({ status: 200, body: { rows: 2 } });
    expect(imported).toEqual(['phone\n79001112233\n']);
    expect(fieldsSeen).toEqual({ list: 'vip' });
  });

  it('without a file is a 400 that says to send one', async () => {
    const { chunks, headers } = form({ list: 'vip' });

    const answer = await post(chunks, headers);

    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'csv_file_missing', details: { field: 'file' } });
    expect(imported).toEqual([]);
  });

  it('whose file grows past the limit is a 413, as for a text/csv body', async () => {
    const { chunks, headers } = form({}, `phone\n${'7'.repeat(LIMIT)}\n`);

    const answer = await post(chunks, headers);

    expect(answer.status).toBe(413);
    expect(answer.body.error).toMatchObject({ code: 'body_too_large', details: { limitBytes: LIMIT } });
    expect(imported).toEqual([]);
  });
});
