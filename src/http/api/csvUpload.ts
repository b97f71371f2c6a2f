import { Readable, Transform } from 'node:stream';
import multipart, { type MultipartFields } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError, RequestValidationError } from '../errors.js';

export const CSV_CONTENT_TYPES = ['text/csv', 'application/csv'];

/**
 * CSV bodies are not read into memory: the request stream is handed to the route as it arrives, so
 * a million-row import streams straight into the importer.
 */
export function registerCsvBodyParser(api: FastifyInstance): void {
  api.addContentTypeParser(CSV_CONTENT_TYPES, (_request, payload, done) => done(null, payload));
}

/**
 * multipart/form-data (what a browser form sends) in this scope only: one file, a few fields before
 * it. Busboy stops a file one byte past the limit; the 413 itself comes from limitedStream, as for a
 * text/csv body.
 */
export async function registerMultipartCsv(scope: FastifyInstance, limitBytes: number): Promise<void> {
  await scope.register(multipart, {
    limits: { files: 1, fields: 10, parts: 12, fileSize: limitBytes + 1, fieldSize: 1000 },
    throwFileSizeLimit: false,
  });
}

const UNSUPPORTED_MESSAGE =
  'send the file as the body with Content-Type: text/csv, or as the file of a multipart/form-data form';

function tooLarge(limitBytes: number): HttpError {
  return new HttpError(413, 'body_too_large', `the CSV is larger than ${limitBytes} bytes`, { limitBytes });
}

export interface CsvUpload {
  stream: Readable;
  /** The 413 once the limit was crossed: the importer's own error about the broken stream says less. */
  overLimit(): HttpError | undefined;
  /** A multipart form's fields that came before its file (text/csv: none; those go in the query). */
  fields: Readonly<Record<string, string>>;
}

/**
 * The CSV body of an import request, as a stream that fails with 413 body_too_large once more than
 * `limitBytes` have come (a Content-Length over the limit is refused before anything is read).
 */
export function csvBodyStream(request: FastifyRequest, limitBytes: number): CsvUpload {
  const body = request.body;
  if (!(body instanceof Readable)) throw new HttpError(415, 'unsupported_media_type', UNSUPPORTED_MESSAGE);
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes);
  return { ...limitedStream(body, limitBytes), fields: {} };
}

/** A stream that fails with 413 body_too_large once more than `limitBytes` have come through it. */
function limitedStream(body: Readable, limitBytes: number): Omit<CsvUpload, 'fields'> {
  let received = 0;
  let refused: HttpError | undefined;
  const limited = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      if (received <= limitBytes) return callback(null, chunk);
      refused = tooLarge(limitBytes);
      callback(refused);
    },
  });
  body.on('error', (error) => limited.destroy(error));
  return { stream: body.pipe(limited), overLimit: () => refused };
}

export const csvBodyDocumentation = {
  'text/csv': { schema: { type: 'string', description: 'A header row, then one row per record' } },
  'multipart/form-data': {
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: { type: 'string', format: 'binary', description: 'The CSV (the first file part)' },
      },
    },
  },
};

/**
 * The file of a multipart/form-data body: its first file part, streamed (never buffered whole), and
 * the fields sent before it. A form without a file is a 400; a field after the file is not read.
 */
async function multipartCsvStream(request: FastifyRequest, limitBytes: number): Promise<CsvUpload> {
  let part: Awaited<ReturnType<FastifyRequest['file']>>;
  try {
    part = await request.file();
  } catch (error) {
    throw multipartError(error);
  }
  if (part === undefined) {
    throw new HttpError(
      400,
      'csv_file_missing',
      'the multipart/form-data body has no file: send the CSV as its file',
      {
        field: 'file',
      },
    );
  }
  const upload = limitedStream(part.file, limitBytes);
  return { ...upload, fields: fieldValues(part.fields) };
}

/** The text fields of a form (a repeated name: its first value). */
function fieldValues(fields: MultipartFields): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, entry] of Object.entries(fields)) {
    const first = Array.isArray(entry) ? entry[0] : entry;
    if (first && first.type === 'field' && typeof first.value === 'string') values[name] = first.value;
  }
  return values;
}

/** Busboy's and the plugin's refusals (too many parts, a broken boundary) in this API's words. */
function multipartError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('FST_')) return error;
  return new HttpError(
    400,
    'invalid_multipart',
    `the multipart/form-data body cannot be read: ${(error as Error).message}`,
  );
}

function isMultipart(request: FastifyRequest): boolean {
  return typeof request.isMultipart === 'function' && request.isMultipart();
}

/**
 * Streams the request's CSV (a text/csv body, or a multipart form's file) into an importer, with the
 * form's fields; a body over the limit is a 413 whatever the importer says.
 */
export async function importCsvBody<T>(
  request: FastifyRequest,
  limitBytes: number,
  importer: (input: Readable, fields: Readonly<Record<string, string>>) => Promise<T>,
): Promise<T> {
  const upload = isMultipart(request)
    ? await multipartCsvStream(request, limitBytes)
    : csvBodyStream(request, limitBytes);
  try {
    return await importer(upload.stream, upload.fields);
  } catch (error) {
    throw upload.overLimit() ?? multipartError(error);
  }
}

/**
 * A form field that stands for a query parameter (`list`): the query's, else the field's, checked as
 * the query schema checks it (trimmed, 1 to `maxLength` characters), a 400 naming it otherwise.
 */
export function formOrQueryText(
  query: string | undefined,
  fields: Readonly<Record<string, string>>,
  name: string,
  maxLength: number,
): string | undefined {
  if (query !== undefined) return query;
  const value = fields[name];
  if (value === undefined) return undefined;
  if (value.trim() === '' || value.length > maxLength) {
    throw new RequestValidationError(
      [{ path: name, message: `must be 1 to ${maxLength} characters` }],
      'form field',
    );
  }
  return value.trim();
}
