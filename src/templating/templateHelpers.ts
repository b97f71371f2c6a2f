import type Handlebars from 'handlebars';
import { instantOf, readDateText } from '../time/dateText.js';
import { formatInstant } from '../time/formatInstant.js';
import { isIanaTimeZone } from '../time/timeZones.js';

/**
 * A value a template needs is absent (or unusable, e.g. not a date) for this contact. Helper
 * arguments escape Handlebars' strict mode (it checks only plain `{{name}}` lookups), so the helpers
 * check their own arguments and name them through `options.ids` (compiled with trackIds).
 */
export class MissingTemplateValue extends Error {
  constructor(
    readonly variable: string,
    readonly detail: string | null = null,
  ) {
    super(`${variable} is missing${detail ? `: ${detail}` : ''}`);
  }
}

export const DEFAULT_LOCALE = 'ru-RU';
export const DEFAULT_TIME_ZONE = 'UTC';

interface HelperCall {
  args: unknown[];
  options: Handlebars.HelperOptions & { ids?: unknown[]; name?: string };
}

/** Handlebars passes the options object last, after however many arguments the template gave. */
function splitCall(raw: unknown[]): HelperCall {
  const args = raw.slice(0, -1);
  return { args, options: raw[raw.length - 1] as HelperCall['options'] };
}

function argumentName(call: HelperCall, index: number, helper: string): string {
  const id = call.options.ids?.[index];
  return typeof id === 'string' && id !== '' ? id : `${helper} argument ${index + 1}`;
}

function requirePresent(call: HelperCall, index: number, helper: string): unknown {
  const value = call.args[index];
  if (value === undefined || value === null || value === '') {
    throw new MissingTemplateValue(argumentName(call, index, helper));
  }
  return value;
}

function root(call: HelperCall): Record<string, unknown> {
  const data = call.options.data as { root?: unknown } | undefined;
  return data?.root && typeof data.root === 'object' ? (data.root as Record<string, unknown>) : {};
}

/** `timezone=` on the call, else the context's `timezone`, else UTC. */
function timeZoneOf(call: HelperCall): string {
  const zone = call.options.hash.timezone ?? root(call).timezone ?? DEFAULT_TIME_ZONE;
  if (!isIanaTimeZone(zone))
    throw new MissingTemplateValue('timezone', `not a time zone: ${JSON.stringify(zone)}`);
  return zone;
}

/** `locale=` on the call, else the context's `locale`, else Russian. */
function localeOf(call: HelperCall): string {
  const locale = call.options.hash.locale ?? root(call).locale ?? DEFAULT_LOCALE;
  try {
    const [canonical] = Intl.getCanonicalLocales(String(locale).replace('_', '-'));
    return canonical ?? DEFAULT_LOCALE;
  } catch {
    throw new MissingTemplateValue('locale', `not a locale: ${JSON.stringify(locale)}`);
  }
}

/** Whether a pattern prints hours or minutes (quoted text aside). */
function showsTime(pattern: string): boolean {
  return /[Hm]/.test(pattern.replace(/'(?:[^']|'')*'/g, ''));
}

/**
 * A date or time value read without guessing (src/time/dateText.ts): ISO or day.month.year, never a
 * day and month swapped. A calendar date prints as that date in any zone; a time without an offset
 * is read on the recipient's wall clock; formatTime of a date with no time of day is refused rather
 * than printing a made-up midnight.
 */
function dateHelper(name: string, defaultPattern: string, needsTime: boolean) {
  return (...raw: unknown[]) => {
    const call = splitCall(raw);
    const value = requirePresent(call, 0, name);
    const reading = readDateText(value);
    if (!reading.ok) throw new MissingTemplateValue(argumentName(call, 0, name), reading.reason);
    const pattern = call.args[1] === undefined ? defaultPattern : String(call.args[1]);
    if ((needsTime || showsTime(pattern)) && reading.value.kind === 'date') {
      throw new MissingTemplateValue(
        argumentName(call, 0, name),
        `${JSON.stringify(value)} has no time of day`,
      );
    }
    const zone = timeZoneOf(call);
    return formatInstant(instantOf(reading.value, zone, 'noon'), pattern, zone, localeOf(call));
  };
}

/** How many arguments each helper takes (min, max): checked when a template is compiled. */
export const HELPER_ARITY: Readonly<Record<string, readonly [number, number]>> = {
  formatDate: [1, 2],
  formatTime: [1, 2],
  formatDateTime: [1, 2],
  upper: [1, 1],
  lower: [1, 1],
  default: [2, 2],
  // Handlebars' own.
  if: [1, 1],
  unless: [1, 1],
  each: [1, 1],
  with: [1, 1],
  lookup: [2, 2],
};

/** Helpers that take a block (`{{#name}}…{{/name}}`). */
export const BLOCK_HELPERS: ReadonlySet<string> = new Set(['if', 'unless', 'each', 'with']);

export function registerTemplateHelpers(env: typeof Handlebars): void {
  // `log` writes to the console: no place for it in a message template.
  env.unregisterHelper('log');
  env.registerHelper('formatDate', dateHelper('formatDate', 'dd.MM.yyyy', false));
  env.registerHelper('formatTime', dateHelper('formatTime', 'HH:mm', true));
  env.registerHelper('formatDateTime', dateHelper('formatDateTime', 'dd.MM.yyyy HH:mm', true));
  env.registerHelper('upper', (...raw: unknown[]) => {
    const call = splitCall(raw);
    return String(requirePresent(call, 0, 'upper')).toLocaleUpperCase(localeOf(call));
  });
  env.registerHelper('lower', (...raw: unknown[]) => {
    const call = splitCall(raw);
    return String(requirePresent(call, 0, 'lower')).toLocaleLowerCase(localeOf(call));
  });
  // The one helper meant for absent values: `{{default nickname "friend"}}`. Its fallback must be
  // there: `{{default firstName name}}` without a name is that variable missing, never a hole.
  env.registerHelper('default', (...raw: unknown[]) => {
    const call = splitCall(raw);
    const value = call.args[0];
    return value === undefined || value === null || value === '' ? requirePresent(call, 1, 'default') : value;
  });
}
