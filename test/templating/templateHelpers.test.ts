import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import {
  BLOCK_HELPERS,
  DEFAULT_LOCALE,
  DEFAULT_TIME_ZONE,
  HELPER_ARITY,
  MissingTemplateValue,
  registerTemplateHelpers,
} from '../../src/templating/templateHelpers.js';

/** A Handlebars environment of the test's own, with the helpers, compiled the way templates are. */
const env = Handlebars.create();
registerTemplateHelpers(env);

/** trackIds (absent from Handlebars' typings) gives helpers the names of their arguments. */
const COMPILE_OPTIONS = { strict: true, trackIds: true, noEscape: true };
const render = (source: string, context: Record<string, unknown>) =>
  env.compile(source, COMPILE_OPTIONS)(context);

function missing(source: string, context: Record<string, unknown>): MissingTemplateValue {
  try {
    render(source, context);
  } catch (error) {
    if (error instanceof MissingTemplateValue) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(source)} to miss a value`);
}

describe('MissingTemplateValue', () => {
  it('names the variable and, when there is one, what is wrong with its value', () => {
    expect(new MissingTemplateValue('firstName')).toMatchObject({
      variable: 'firstName',
      detail: null,
      message: 'firstName is missing',
    });
    expect(new MissingTemplateValue('startsAt', 'not a date: "x"').message).toBe(
      'startsAt is missing: not a date: "x"',
    );
  });
});

describe('registerTemplateHelpers', () => {
  it('registers the helpers HELPER_ARITY knows and removes log, which would write to the console', () => {
    for (const name of Object.keys(HELPER_ARITY)) expect(env.helpers[name], name).toBeTypeOf('function');
    expect(env.helpers['log']).toBeUndefined();
    expect(Handlebars.helpers['formatDate']).toBeUndefined();
  });

  it('lists the block helpers, each of which HELPER_ARITY knows', () => {
    expect([...BLOCK_HELPERS].sort()).toEqual(['each', 'if', 'unless', 'with']);
    for (const name of BLOCK_HELPERS) expect(HELPER_ARITY[name], name).toEqual([1, 1]);
    expect(HELPER_ARITY['formatDate']).toEqual([1, 2]);
    expect(HELPER_ARITY['default']).toEqual([2, 2]);
  });
});

describe('formatDate, formatTime and formatDateTime', () => {
  it(`format with default patterns, in ${DEFAULT_TIME_ZONE} and ${DEFAULT_LOCALE} unless told otherwise`, () => {
    const context = { at: '2026-11-27T07:05:00Z' };
    expect(render('{{formatDate at}}|{{formatTime at}}|{{formatDateTime at}}', context)).toBe(
      '27.11.2026|07:05|27.11.2026 07:05',
    );
    expect(render('{{formatDate at "d MMMM yyyy"}}', context)).toBe('27 ноября 2026');
  });

  it('take the time zone and locale from the context, and from the call over the context', () => {
    const context = { at: '2026-11-27T23:30:00Z', timezone: 'Europe/Moscow', locale: 'en_US' };
    expect(render('{{formatDate at "d MMMM"}} {{formatTime at}}', context)).toBe('28 November 02:30');
    expect(render('{{formatDate at "d MMMM" timezone="UTC" locale="ru-RU"}}', context)).toBe('27 ноября');
  });

  it('read a time without an offset on the wall clock of the zone', () => {
    expect(render('{{formatTime at}}', { at: '2026-11-27T10:05:00', timezone: 'Asia/Yekaterinburg' })).toBe(
      '10:05',
    );
  });

  it('print a calendar date as that date in any zone, given as ISO or day.month.year', () => {
    for (const timezone of ['Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
      expect(
        render('{{formatDate a}} {{formatDate b}}', { a: '2026-11-27', b: '03.02.2025', timezone }),
      ).toBe('27.11.2026 03.02.2025');
    }
  });

  it('refuse to print a time of day for a date that has none, even through the pattern', () => {
    for (const source of ['{{formatTime day}}', '{{formatDateTime day}}', '{{formatDate day "HH:mm"}}']) {
      expect(missing(source, { day: '2026-11-27' }), source).toMatchObject({
        variable: 'day',
        detail: '"2026-11-27" has no time of day',
      });
    }
    expect(render('{{formatDate day "d \'Hm\' MMMM"}}', { day: '2026-11-27' })).toBe('27 Hm ноября');
  });

  it('name an absent or empty argument by its path in the template', () => {
    expect(missing('{{formatDate appointment.startsAt}}', { appointment: {} })).toMatchObject({
      variable: 'appointment.startsAt',
      detail: null,
    });
    expect(missing('{{formatDate d}}', { d: '' }).variable).toBe('d');
    expect(missing('{{formatDate d}}', { d: null }).variable).toBe('d');
  });

  it('refuse a value that is not a date, or a date that programs read two ways', () => {
    expect(missing('{{formatDate d}}', { d: 'tomorrow' })).toMatchObject({
      variable: 'd',
      detail: 'not a date: "tomorrow" (expected 2025-02-03 or 03.02.2025)',
    });
    expect(missing('{{formatDate d}}', { d: '03/02/2025' }).detail).toContain('3 February or March 2');
  });

  it('refuse a time zone or a locale that is not one, naming it', () => {
    expect(missing('{{formatDate d}}', { d: '2026-11-27', timezone: 'Mars/Olympus' })).toMatchObject({
      variable: 'timezone',
      detail: 'not a time zone: "Mars/Olympus"',
    });
    expect(missing('{{formatDate d locale="not a locale!!"}}', { d: '2026-11-27' })).toMatchObject({
      variable: 'locale',
      detail: 'not a locale: "not a locale!!"',
    });
  });
});

describe('upper and lower', () => {
  it("change case by the context's locale", () => {
    expect(render('{{upper n}} {{lower m}}', { n: 'istanbul', m: 'ПРИВЕТ' })).toBe('ISTANBUL привет');
    expect(render('{{upper n}}', { n: 'istanbul', locale: 'tr-TR' })).toBe('İSTANBUL');
  });

  it('print a number as text and refuse an empty value', () => {
    expect(render('{{upper n}}', { n: 42 })).toBe('42');
    expect(missing('{{lower n}}', { n: '' }).variable).toBe('n');
  });
});

describe('default', () => {
  it('falls back only for an absent, null or empty value, not for 0', () => {
    expect(render('{{default nick "друг"}}', { nick: '' })).toBe('друг');
    expect(render('{{default nick "друг"}}', { nick: null })).toBe('друг');
    expect(render('{{default nick "друг"}}', {})).toBe('друг');
    expect(render('{{default nick "друг"}}', { nick: 'Аня' })).toBe('Аня');
    expect(render('{{default nick "друг"}}', { nick: 0 })).toBe('0');
  });

  it('reports its fallback missing rather than leave a hole', () => {
    expect(render('{{default nick name}}', { name: 'Anna' })).toBe('Anna');
    expect(missing('{{default nick name}}', {}).variable).toBe('name');
    expect(missing('{{default nick ""}}', {}).variable).toBe('default argument 2');
  });
});
