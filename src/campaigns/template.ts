import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { TemplateError } from './errors.js';
import {
  DEFAULT_LOCALE,
  DEFAULT_TIME_ZONE,
  HELPER_ARITY,
  MissingTemplateValue,
  registerTemplateHelpers,
} from './templateHelpers.js';
import { checkTemplateSyntax, locateParseError, type TemplateSyntax } from './templateSyntax.js';

/**
 * Message templates: Handlebars in an environment of our own (no global helpers or partials), in
 * strict mode so that a variable a contact lacks stops that contact's message instead of leaving a
 * hole in the text, without HTML escaping (it is a chat message), and with prototype access left
 * forbidden as Handlebars defaults to.
 */
export type RenderResult =
  | { ok: true; text: string }
  /** `detail` says why a present value was unusable (e.g. `not a date: "tomorrow"`). */
  | { ok: false; missingVariable: string; detail?: string };

export interface CompiledTemplate {
  source: string;
  render(context: Record<string, unknown>): RenderResult;
}

const env = Handlebars.create();
registerTemplateHelpers(env);

const COMPILE_OPTIONS = {
  noEscape: true,
  strict: true,
  // Gives helpers the names of their arguments, to report which one is missing.
  trackIds: true,
  knownHelpers: Object.fromEntries(Object.keys(HELPER_ARITY).map((name) => [name, true])),
};

/** A worker renders one campaign's template for many contacts: compile each source once. */
const CACHE_SIZE = 256;
const cache = new Map<string, CompiledTemplate>();

/** Throws TemplateError (with line and column) for a template that cannot be compiled. */
export function compileTemplate(source: string): CompiledTemplate {
  const cached = cache.get(source);
  if (cached) {
    cache.delete(source);
    cache.set(source, cached);
    return cached;
  }
  const compiled = compileUncached(source);
  cache.set(source, compiled);
  if (cache.size > CACHE_SIZE) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  return compiled;
}

function compileUncached(source: string): CompiledTemplate {
  let syntax: TemplateSyntax;
  try {
    syntax = checkTemplateSyntax(env.parse(source));
  } catch (error) {
    if (error instanceof TemplateError) throw error;
    throw syntaxError(error, source);
  }
  const template = env.compile(syntax.program, COMPILE_OPTIONS);
  const lines = source.split('\n');
  return {
    source,
    render(context) {
      try {
        const text = template(refusingText(context, ''));
        const object = OBJECT_AS_TEXT.exec(text);
        if (object) return { ok: false, missingVariable: object[1] || 'this', detail: 'an object, not text' };
        return { ok: true, text };
      } catch (error) {
        const missing = missingVariableOf(error, lines, syntax.paths);
        if (missing) return missing;
        throw new TemplateError(
          error instanceof Error ? error.message : String(error),
          { code: 'template_render_failed' },
          {
            cause: error,
          },
        );
      }
    },
  };
}

/** A noncharacter: never in a message, so its presence in the output means an object was printed. */
const OBJECT_MARK = '\uFDD0';
const OBJECT_AS_TEXT = /\uFDD0([^\uFDD0]*)\uFDD0/;

/**
 * `{{appointment}}` or `{{this}}` would print "[object Object]". The template sees a copy in which
 * every plain object turns into a marker naming its path when made text (a symbol no template lookup
 * can reach); render finds the marker and stops that contact's message as for a missing variable
 * instead of sending it with a hole. It marks rather than throws because Handlebars itself turns the
 * context into text when it builds its own strict-mode errors. Arrays of text still join ("a,b").
 */
function refusingText(value: unknown, path: string): unknown {
  if (Array.isArray(value)) return value.map((item, i) => refusingText(item, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return value;
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // Defined, not assigned: an attribute named `__proto__` stays a plain key.
    Object.defineProperty(copy, key, {
      value: refusingText(item, path ? `${path}.${key}` : key),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  Object.defineProperty(copy, Symbol.toPrimitive, { value: () => `${OBJECT_MARK}${path}${OBJECT_MARK}` });
  return copy;
}

function syntaxError(error: unknown, source: string): TemplateError {
  const message = error instanceof Error ? error.message : String(error);
  const exception = error as { lineNumber?: number; column?: number };
  if (typeof exception.lineNumber === 'number') {
    // Handlebars' own exceptions: "if doesn't match each - 1:3" (0-based column).
    return new TemplateError(message.replace(/ - \d+:\d+$/, ''), {
      line: exception.lineNumber,
      column: typeof exception.column === 'number' ? exception.column + 1 : null,
    });
  }
  const located = locateParseError(message, source);
  return new TemplateError(located.message, { line: located.line, column: located.column }, { cause: error });
}

/** What strict mode or a helper reported missing, by the name the template uses for it. */
function missingVariableOf(error: unknown, lines: string[], paths: readonly string[][]): RenderResult | null {
  if (error instanceof MissingTemplateValue) {
    return error.detail === null
      ? { ok: false, missingVariable: error.variable }
      : { ok: false, missingVariable: error.variable, detail: error.detail };
  }
  if (!(error instanceof Error)) return null;
  const strict = /^"(.+?)" not defined in /.exec(error.message);
  if (strict?.[1]) {
    // The exception carries the location of the whole path: `appointment.doctor`, not just `doctor`.
    const e = error as { lineNumber?: number; column?: number; endLineNumber?: number; endColumn?: number };
    const line = e.lineNumber === undefined ? undefined : lines[e.lineNumber - 1];
    const written =
      line !== undefined && e.endLineNumber === e.lineNumber && e.column !== undefined
        ? line.slice(e.column, e.endColumn).trim()
        : '';
    return { ok: false, missingVariable: written.replace(/^this\./, '') || strict[1] };
  }
  // A helper argument through a missing object (`formatDate appointment.startsAt` without an
  // appointment) fails in JavaScript before the helper runs.
  const through = /Cannot read properties of (?:undefined|null) \(reading '(.*)'\)/.exec(error.message);
  if (error instanceof TypeError && through) {
    const property = through[1] ?? '';
    const path = paths.find((parts) => parts.indexOf(property) > 0);
    return { ok: false, missingVariable: path ? path.join('.') : property };
  }
  return null;
}

/**
 * The variables a template sees for one contact: the contact's attributes at the top level, then
 * `name`, `phone`, `firstName` (the attribute, else the first word of the name), `timezone`,
 * `locale`, `campaign` and `appointment`. Empty attributes (null or '') are left out, so strict
 * mode reports them instead of rendering a hole.
 */
export function buildTemplateContext(
  contact: {
    phone: string;
    name: string | null;
    timezone: string | null;
    attributes: Record<string, unknown>;
  },
  extra: {
    campaign?: { name: string };
    appointment?: Record<string, unknown>;
    timezone?: string;
    locale?: string;
  } = {},
): Record<string, unknown> {
  const context: Record<string, unknown> = withoutEmpty(contact.attributes);
  const name = contact.name?.trim();
  if (name) context.name = name;
  context.phone = contact.phone;
  const firstName = context.firstName ?? name?.split(/\s+/)[0];
  if (firstName) context.firstName = firstName;
  else delete context.firstName;
  context.timezone = extra.timezone ?? contact.timezone ?? context.timezone ?? DEFAULT_TIME_ZONE;
  context.locale = extra.locale ?? context.locale ?? DEFAULT_LOCALE;
  if (extra.campaign) context.campaign = extra.campaign;
  if (extra.appointment) context.appointment = withoutEmpty(extra.appointment);
  return context;
}

function withoutEmpty(values: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === null || value === undefined) continue;
    if (typeof value === 'string' && value.trim() === '') continue;
    kept[key] = value;
  }
  return kept;
}

/** Why a name cannot be a template file in templates/, or null: no paths, no `..`, `.hbs` only. */
export function templateFileNameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.trim() === '') return 'expected a file name such as "reminder.hbs"';
  if (/[/\\]/.test(name)) return `"${name}" must name a file directly in templates/, without a path`;
  if (name.includes('..')) return `"${name}" may not contain ".."`;
  if (!name.endsWith('.hbs')) return `"${name}" must end with .hbs`;
  if (name.startsWith('.') || name.includes('\0')) return `"${name}" is not a template file name`;
  return null;
}

/** Reads a template from the templates directory, refusing any name that could leave it. */
export async function loadTemplateFile(name: string, templatesDir: string): Promise<string> {
  const problem = templateFileNameProblem(name);
  if (problem) throw new TemplateError(problem, { file: name, code: 'template_file_invalid' });
  try {
    return await readFile(join(templatesDir, name), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new TemplateError(`no such file in ${templatesDir}`, {
        file: name,
        code: 'template_file_not_found',
      });
    }
    throw error;
  }
}
