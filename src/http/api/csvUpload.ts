import { Readable, Transform } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError } from '../errors.js';

export const CSV_CONTENT_TYPES = ['text/csv', 'application/csv'];

/**
 * CSV bodies are not read into memory: the request stream is handed to the route as it arrives, so
 * a million-row import streams straight into the importer.
 */
export function registerCsvBodyParser(api: FastifyInstance): void {
  api.addContentTypeParser(CSV_CONTENT_TYPES, (_request, payload, done) => done(null, payload));
}

function tooLarge(limitBytes: number): HttpError {
  return new HttpError(413, 'body_too_large', `the CSV is larger than ${limitBytes} bytes`, { limitBytes });
}

export interface CsvUpload {
  stream: Readable;
  /** The 413 once the limit was crossed: the importer's own error about the broken stream says less. */
  overLimit(): HttpError | undefined;
}

/**
 * The CSV body of an import request, as a stream that fails with 413 body_too_large once more than
 * `limitBytes` have come (a Content-Length over the limit is refused before anything is read).
 */
export function csvBodyStream(request: FastifyRequest, limitBytes: number): CsvUpload {
  const body = request.body;
  if (!(body instanceof Readable)) {
    throw new HttpError(
      415,
      'unsupported_media_type',
      'send the file as the body with Content-Type: text/csv',
    );
  }
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes);
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
};

/** Streams the request's CSV into an importer; a body over the limit is a 413 whatever the importer says. */
export async function importCsvBody<T>(
  request: FastifyRequest,
  limitBytes: number,
  importer: (input: Readable) => Promise<T>,
): Promise<T> {
  const upload = csvBodyStream(request, limitBytes);
  try {
    return await importer(upload.stream);
  } catch (error) {
    throw upload.overLimit() ?? error;
  }
}
