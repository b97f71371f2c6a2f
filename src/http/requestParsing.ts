import type { FastifyInstance, FastifyRequest } from 'fastify';
import { nulTextPath } from './nulText.js';

/** The text of each JSON body: a replayed web hook without a message id is recognised by its hash. */
const rawBodies = new WeakMap<FastifyRequest, string>();

/** The JSON body of a request as it arrived, before parsing. */
export function rawBodyOf(request: FastifyRequest): string | undefined {
  return rawBodies.get(request);
}

/**
 * What a route's input must pass before validation: JSON bodies parsed strictly (no prototype keys,
 * no NUL characters), query and path parameters free of NUL and read as the numbers or booleans their
 * schema asks for.
 */
export function registerRequestParsing(app: FastifyInstance): void {
  registerJsonBodyParser(app);
  registerParameterChecks(app);
}

function registerJsonBodyParser(app: FastifyInstance): void {
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    rawBodies.set(request, text);
    if (text.trim() === '') return done(null, undefined);
    try {
      const parsed: unknown = JSON.parse(text, refusePrototypeKeys);
      const nul = nulTextPath(parsed);
      if (nul !== null) return done(nulTextError(nul === '' ? 'body' : nul), undefined);
      done(null, parsed);
    } catch (error) {
      if ((error as { code?: string }).code === 'invalid_json') return done(error as Error, undefined);
      // Valid JSON nested thousands deep overflows the stack while its keys are checked: say so
      // rather than call it invalid.
      const message =
        error instanceof RangeError ? 'the body is nested too deeply' : 'the body is not valid JSON';
      const invalid = Object.assign(new Error(message), {
        statusCode: 400,
        code: 'invalid_json',
      });
      done(invalid, undefined);
    }
  });
}

function registerParameterChecks(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const schema = request.routeOptions.schema;
    for (const [where, values] of [
      ['query', request.query],
      ['path', request.params],
    ] as const) {
      const nul = nulTextPath(values);
      if (nul !== null) throw nulTextError(`${where} ${nul}`);
    }
    coerceParameters(request.query, schema?.querystring);
    coerceParameters(request.params, schema?.params);
  });
}

/** PostgreSQL cannot store U+0000 in text: refused at the edge, naming where it was. */
function nulTextError(where: string): Error {
  return Object.assign(new Error(`${where}: contains a NUL character (U+0000), which text may not hold`), {
    statusCode: 400,
    code: 'invalid_text',
  });
}

/** Refuses keys that could reach an object's prototype when a body is merged somewhere. */
function refusePrototypeKeys(key: string, value: unknown): unknown {
  if (
    key === '__proto__' ||
    (key === 'constructor' && typeof value === 'object' && value && 'prototype' in value)
  ) {
    throw Object.assign(new Error(`the body contains the forbidden key "${key}"`), {
      statusCode: 400,
      code: 'invalid_json',
    });
  }
  return value;
}

/**
 * Query strings and path segments are text: a value meant as a number or a boolean is converted
 * here, when it reads as one, before validation (which otherwise coerces nothing). Anything else is
 * left for the schema to refuse, naming the parameter.
 */
function coerceParameters(values: unknown, schema: unknown): void {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> } | undefined)?.properties;
  if (!properties || typeof values !== 'object' || values === null) return;
  const record = values as Record<string, unknown>;
  for (const [name, property] of Object.entries(properties)) {
    const value = record[name];
    if (typeof value !== 'string') continue;
    const types = Array.isArray(property.type) ? property.type : [property.type];
    if ((types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?$/.test(value)) {
      record[name] = Number(value);
    } else if (types.includes('boolean') && (value === 'true' || value === 'false')) {
      record[name] = value === 'true';
    }
  }
}
