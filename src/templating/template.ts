import Handlebars from 'handlebars';
import { TemplateError } from './templateError.js';
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
 * forbidden as Handlebars defaults to. Rendering is bounded: a template of at most
 * MAX_TEMPLATE_CHARS, and at most RENDER_LIMITS of loop passes, looped text and text per message, so
 * no template over no contact's data can hold the process.
 */
export type RenderResult =
  | { ok: true; text: string }
  /** The contact lacks a value the template needs. */
  | { ok: false; problem: 'missing_variable'; variable: string }
  /** The value is there but unusable, `detail` says why (e.g. `not a date: "tomorrow"`). */
  | { ok: false; problem: 'invalid_variable'; variable: string; detail: string }
  /** Rendering for this contact would take more work than a message may (a loop over a huge list). */
  | { ok: false; problem: 'render_limit'; detail: string };

export type RenderFailure = Exclude<RenderResult, { ok: true }>;

/** The largest template source: ten times WhatsApp's longest message. */
export const MAX_TEMPLATE_CHARS = 40_960;

/**
 * Work one message may take: passes through {{#each}} bodies and the text they produce, in all; and
 * the whole text, which without loops can still be thousands of {{values}} of 10,000 characters each.
 * Every transport takes far less (7,000 characters at most): the rest is refused before it is read.
 */
export const RENDER_LIMITS = { loopPasses: 10_000, loopChars: 100_000, textChars: 100_000 } as const;

export interface CompiledTemplate {
  source: string;
  render(context: Record<string, unknown>): RenderResult;
}

const env = Handlebars.create();
registerTemplateHelpers(env);

interface RenderBudget {
  loopPasses: number;
  loopChars: number;
}

/**
 * The budget of the render under way. Rendering is synchronous and never nested, so the loops of
 * one message count against it alone; it is kept out of the template's data, where `{{@…}}` could
 * print it.
 */
let activeBudget: RenderBudget | undefined;

class RenderLimitExceeded extends Error {}

/**
 * Handlebars' own {{#each}}, counting: four nested loops over a 100-item list are 10^8 passes, and a
 * loop can repeat a 10,000-character value without end. Every pass of every loop of a message
 * counts against RENDER_LIMITS; past it the message is refused for this contact, at once.
 */
const builtinEach = env.helpers.each as Handlebars.HelperDelegate;
env.registerHelper('each', function (this: unknown, context: unknown, options: Handlebars.HelperOptions) {
  const budget = activeBudget;
  if (!budget) return builtinEach.call(this, context, options);
  const body = options.fn;
  const counted = ((item: unknown, frame?: Handlebars.RuntimeOptions) => {
    if (++budget.loopPasses > RENDER_LIMITS.loopPasses) {
      throw new RenderLimitExceeded(
        `more than ${RENDER_LIMITS.loopPasses} passes through {{#each}} in one message`,
      );
    }
    const text = body(item, frame);
    budget.loopChars += text.length;
    if (budget.loopChars > RENDER_LIMITS.loopChars) {
      throw new RenderLimitExceeded(
        `{{#each}} wrote more than ${RENDER_LIMITS.loopChars} characters in one message`,
      );
    }
    return text;
  }) as Handlebars.TemplateDelegate;
  return builtinEach.call(this, context, { ...options, fn: counted });
});

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

/** Throws TemplateError (with line and column) for a template that cannot be compiled, or is too long. */
export function compileTemplate(source: string): CompiledTemplate {
  if (source.length > MAX_TEMPLATE_CHARS) {
    throw new TemplateError(`the template has ${source.length} characters; at most ${MAX_TEMPLATE_CHARS}`, {
      code: 'template_too_long',
    });
  }
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
  const template = env.compile(startingWithText(syntax.program), COMPILE_OPTIONS);
  const lines = source.split('\n');
  return {
    source,
    render(context) {
      try {
        activeBudget = { loopPasses: 0, loopChars: 0 };
        const rendered = template(refusingText(context, ''));
        // Measured before anything reads the text: joined by `+`, it is not even laid out in memory yet.
        if (rendered.length > RENDER_LIMITS.textChars) {
          return {
            ok: false,
            problem: 'render_limit',
            detail: `the message would be longer than ${RENDER_LIMITS.textChars} characters`,
          };
        }
        const text = rendered.replaceAll(TEXT_MARK, '');
        const object = OBJECT_AS_TEXT.exec(text);
        if (object) {
          return {
            ok: false,
            problem: 'invalid_variable',
            variable: object[1] || 'this',
            detail: 'an object, not text',
          };
        }
        return { ok: true, text };
      } catch (error) {
        if (error instanceof RenderLimitExceeded)
          return { ok: false, problem: 'render_limit', detail: error.message };
        const missing = missingVariableOf(error, lines, syntax.paths);
        if (missing) return missing;
        throw new TemplateError(
          error instanceof Error ? error.message : String(error),
          { code: 'template_render_failed' },
          {
            cause: error,
          },
        );
      } finally {
        activeBudget = undefined;
      }
    },
  };
}

/** A noncharacter each compiled body starts with, removed from the output (see startingWithText). */
const TEXT_MARK = '\uFDD1';

/**
 * With HTML escaping off, Handlebars joins a body's values with `+`, so a body that starts with two
 * values adds them: `{{day}}{{month}}` of 5 and 10 gave "15". Every body (the template, each block
 * and its else) is made to start with a piece of text, a mark removed after rendering, so the values
 * are joined as text. Escaping, which would turn them into text, is off because a chat message is
 * not HTML.
 */
function startingWithText(program: TemplateSyntax['program']): TemplateSyntax['program'] {
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null) return;
    const record = node as { type?: string; body?: unknown[] };
    if (record.type === 'Program' && Array.isArray(record.body)) {
      record.body.unshift({ type: 'ContentStatement', original: TEXT_MARK, value: TEXT_MARK });
    }
    for (const value of Object.values(node)) {
      if (Array.isArray(value)) for (const item of value) visit(item);
      else visit(value);
    }
  };
  visit(program);
  return program;
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
function missingVariableOf(
  error: unknown,
  lines: string[],
  paths: readonly string[][],
): RenderFailure | null {
  if (error instanceof MissingTemplateValue) {
    return error.detail === null
      ? { ok: false, problem: 'missing_variable', variable: error.variable }
      : { ok: false, problem: 'invalid_variable', variable: error.variable, detail: error.detail };
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
    return { ok: false, problem: 'missing_variable', variable: written.replace(/^this\./, '') || strict[1] };
  }
  // A helper argument through a missing object (`formatDate appointment.startsAt` without an
  // appointment) fails in JavaScript before the helper runs.
  const through = /Cannot read properties of (?:undefined|null) \(reading '(.*)'\)/.exec(error.message);
  if (error instanceof TypeError && through) {
    const property = through[1] ?? '';
    const path = paths.find((parts) => parts.indexOf(property) > 0);
    return { ok: false, problem: 'missing_variable', variable: path ? path.join('.') : property };
  }
  return null;
}

/** Names every message has from the engine, which no campaign variable may take. */
export const ENGINE_VARIABLES: readonly string[] = [
  'name',
  'phone',
  'timezone',
  'locale',
  'campaign',
  'appointment',
];

/**
 * The variables a template sees for one contact: the contact's attributes at the top level, then
 * the campaign's own `variables` (the same for every recipient, so they win over an attribute of the
 * same name), then `name`, `phone`, `timezone`, `locale`, `campaign` and `appointment`. Nothing is
 * made up: an empty attribute (null or '') is left out, so strict mode reports it instead of
 * rendering a hole, and `firstName` is the contact's attribute or missing — never a guess from `name`.
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
    variables?: Record<string, unknown>;
    appointment?: Record<string, unknown>;
    timezone?: string;
    locale?: string;
  } = {},
): Record<string, unknown> {
  const context: Record<string, unknown> = {
    ...withoutEmpty(contact.attributes),
    ...withoutEmpty(extra.variables ?? {}),
  };
  const name = contact.name?.trim();
  if (name) context.name = name;
  else delete context.name;
  context.phone = contact.phone;
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
