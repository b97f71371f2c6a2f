import { describe, expect, it } from 'vitest';
import { TemplateError } from '../../src/campaigns/errors.js';
import {
  buildTemplateContext,
  compileTemplate,
  MAX_TEMPLATE_CHARS,
  RENDER_LIMITS,
} from '../../src/templating/template.js';
import { MAX_TEMPLATE_EXPRESSIONS } from '../../src/templating/templateSyntax.js';

const render = (source: string, context: Record<string, unknown>) => compileTemplate(source).render(context);

function compileError(source: string): TemplateError {
  try {
    compileTemplate(source);
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(source)} not to compile`);
}

describe('compileTemplate and render', () => {
  it('renders variables without HTML escaping: it is a chat message', () => {
    expect(
      render('Hi {{firstName}} & <b>{{city}}</b> "{{quote}}"', {
        firstName: 'Анна',
        city: 'Москва',
        quote: "it's",
      }),
    ).toEqual({
      ok: true,
      text: `Hi Анна & <b>Москва</b> "it's"`,
    });
  });

  it('reports a missing variable by name instead of leaving a hole', () => {
    expect(render('Hi {{firstName}}!', {})).toEqual({
      ok: false,
      problem: 'missing_variable',
      variable: 'firstName',
    });
  });

  it('reports a missing nested variable by its whole path', () => {
    expect(render('Doctor: {{appointment.doctor}}', { appointment: {} })).toEqual({
      ok: false,
      problem: 'missing_variable',
      variable: 'appointment.doctor',
    });
    expect(render('Doctor: {{appointment.doctor}}', {})).toEqual({
      ok: false,
      problem: 'missing_variable',
      variable: 'appointment.doctor',
    });
  });

  it('reports a variable missing inside a block by the name the template uses', () => {
    expect(render('{{#with appointment}}at {{room}}{{/with}}', { appointment: { doctor: 'X' } })).toEqual({
      ok: false,
      problem: 'missing_variable',
      variable: 'room',
    });
  });

  it('reports a missing helper argument by its name', () => {
    expect(render('{{upper city}}', {})).toEqual({
      ok: false,
      problem: 'missing_variable',
      variable: 'city',
    });
    expect(render("{{formatDate appointment.startsAt 'd MMMM'}}", { appointment: {} })).toEqual({
      ok: false,
      problem: 'missing_variable',
      variable: 'appointment.startsAt',
    });
    expect(render("{{formatDate appointment.startsAt 'd MMMM'}}", {})).toEqual({
      ok: false,
      problem: 'missing_variable',
      variable: 'appointment.startsAt',
    });
  });

  it('treats a value that is not a date as unusable, naming it', () => {
    expect(render('{{formatDate endsAt}}', { endsAt: 'tomorrow' })).toEqual({
      ok: false,
      problem: 'invalid_variable',
      variable: 'endsAt',
      detail: 'not a date: "tomorrow" (expected 2025-02-03 or 03.02.2025)',
    });
  });

  it('lets #if test an absent value, as strict mode allows for helper arguments', () => {
    const template = compileTemplate('{{#if vip}}VIP {{/if}}{{name}}');
    expect(template.render({ name: 'Anna' })).toEqual({ ok: true, text: 'Anna' });
    expect(template.render({ name: 'Anna', vip: true })).toEqual({ ok: true, text: 'VIP Anna' });
  });

  it('never leaves a hole through default: a fallback that is itself missing is reported', () => {
    const template = compileTemplate('{{default firstName name}}, hello');
    expect(template.render({ name: 'Анна Петрова' })).toEqual({ ok: true, text: 'Анна Петрова, hello' });
    expect(template.render({ firstName: 'Аня' })).toEqual({ ok: true, text: 'Аня, hello' });
    expect(template.render({})).toEqual({ ok: false, problem: 'missing_variable', variable: 'name' });
  });

  it('falls back with default when a value is absent or empty', () => {
    const template = compileTemplate('Hi {{default nickname "friend"}}');
    expect(template.render({})).toEqual({ ok: true, text: 'Hi friend' });
    expect(template.render({ nickname: '' })).toEqual({ ok: true, text: 'Hi friend' });
    expect(template.render({ nickname: 'Ann' })).toEqual({ ok: true, text: 'Hi Ann' });
  });

  it('changes case with upper and lower', () => {
    expect(render('{{upper code}} {{lower word}}', { code: 'bf-2026', word: 'СКИДКА' })).toEqual({
      ok: true,
      text: 'BF-2026 скидка',
    });
  });

  it('returns the same compiled template for the same source', () => {
    expect(compileTemplate('Hello {{name}}')).toBe(compileTemplate('Hello {{name}}'));
  });
});

describe('date helpers', () => {
  const endsAt = '2026-11-27T21:30:00Z';

  it('formats in the context time zone with Russian genitive month names by default', () => {
    expect(render("до {{formatDate endsAt 'd MMMM'}}", { endsAt, timezone: 'Europe/Moscow' })).toEqual({
      ok: true,
      text: 'до 28 ноября',
    });
  });

  it('names the month in the nominative when the pattern has no day', () => {
    expect(
      render("{{formatDate endsAt 'LLLL'}} {{formatDate endsAt 'MMMM yyyy'}}", { endsAt, timezone: 'UTC' }),
    ).toEqual({
      ok: true,
      text: 'LLLL ноябрь 2026',
    });
  });

  it('falls back to UTC when the context has no time zone', () => {
    expect(render('{{formatDateTime endsAt}}', { endsAt })).toEqual({ ok: true, text: '27.11.2026 21:30' });
  });

  it('supports numeric, weekday and quoted pattern tokens', () => {
    const context = { endsAt: new Date(endsAt), timezone: 'Asia/Yekaterinburg' };
    expect(render(`{{formatDate endsAt "EEEE, dd.MM.yy 'в' H:mm"}}`, context)).toEqual({
      ok: true,
      text: 'суббота, 28.11.26 в 2:30',
    });
    expect(render("{{formatDate endsAt 'EEE d MMM yyyy'}}", context)).toEqual({
      ok: true,
      text: 'сб 28 нояб. 2026',
    });
  });

  it('formats the time alone with formatTime', () => {
    expect(render('{{formatTime endsAt}}', { endsAt, timezone: 'America/New_York' })).toEqual({
      ok: true,
      text: '16:30',
    });
  });

  it('takes the locale and zone from the context or from the call', () => {
    const context = { endsAt, timezone: 'Europe/Moscow', locale: 'en-US' };
    expect(render("{{formatDate endsAt 'EEEE d MMMM'}}", context)).toEqual({
      ok: true,
      text: 'Saturday 28 November',
    });
    expect(render("{{formatDate endsAt 'd MMMM HH:mm' timezone='UTC' locale='ru'}}", context)).toEqual({
      ok: true,
      text: '27 ноября 21:30',
    });
  });
});

describe('dates that cannot be misread', () => {
  it('reads 03.02.2025 as 3 February and 25.12.2026 as 25 December, in any zone', () => {
    for (const timezone of ['Europe/Moscow', 'America/Los_Angeles', 'Pacific/Kiritimati']) {
      expect(render("{{formatDate birthday 'd MMMM'}}", { birthday: '03.02.2025', timezone })).toEqual({
        ok: true,
        text: '3 февраля',
      });
      expect(render("{{formatDate birthday 'd MMMM yyyy'}}", { birthday: '25.12.2026', timezone })).toEqual({
        ok: true,
        text: '25 декабря 2026',
      });
    }
  });

  it('prints an ISO date as that date wherever the recipient lives', () => {
    expect(render('{{formatDate day}}', { day: '2025-02-03', timezone: 'America/Los_Angeles' })).toEqual({
      ok: true,
      text: '03.02.2025',
    });
  });

  it("reads a time without an offset on the recipient's wall clock", () => {
    expect(render('{{formatDateTime at}}', { at: '03.02.2025 10:30', timezone: 'Asia/Vladivostok' })).toEqual(
      {
        ok: true,
        text: '03.02.2025 10:30',
      },
    );
  });

  it('refuses a date that programs read two ways, naming the variable, never swapping day and month', () => {
    expect(render('{{formatDate birthday}}', { birthday: '03/02/2025' })).toEqual({
      ok: false,
      problem: 'invalid_variable',
      variable: 'birthday',
      detail:
        '"03/02/2025" is read as day/month in some programs and month/day in others (3 February or March 2): write it as 2025-02-03 or 03.02.2025',
    });
  });

  it('refuses to print a time of day for a date that has none', () => {
    expect(render('{{formatTime day}}', { day: '03.02.2025' })).toMatchObject({
      ok: false,
      problem: 'invalid_variable',
      variable: 'day',
      detail: '"03.02.2025" has no time of day',
    });
    expect(render("{{formatDate day 'd MMMM HH:mm'}}", { day: '2025-02-03' })).toMatchObject({
      problem: 'invalid_variable',
    });
  });
});

describe('bounded rendering', () => {
  it('refuses a template longer than MAX_TEMPLATE_CHARS when it is compiled', () => {
    const error = compileError('x'.repeat(MAX_TEMPLATE_CHARS + 1));
    expect(error.code).toBe('template_too_long');
    expect(error.reason).toBe(
      `the template has ${MAX_TEMPLATE_CHARS + 1} characters; at most ${MAX_TEMPLATE_CHARS}`,
    );
  });

  it(`refuses more than ${MAX_TEMPLATE_EXPRESSIONS} {{…}} expressions, where the one too many stands`, () => {
    const error = compileError(`Hi\n${'{{a}}'.repeat(MAX_TEMPLATE_EXPRESSIONS + 1)}`);
    expect(error.reason).toBe(`a template has at most ${MAX_TEMPLATE_EXPRESSIONS} {{…}} expressions`);
    expect(error.details).toMatchObject({ line: 2, column: MAX_TEMPLATE_EXPRESSIONS * 5 + 1 });
    expect(render('{{a}}'.repeat(MAX_TEMPLATE_EXPRESSIONS), { a: 'x' })).toMatchObject({
      ok: true,
      text: 'x'.repeat(MAX_TEMPLATE_EXPRESSIONS),
    });
  });

  it('stops four nested loops over a 100-item list at once, for that contact only', () => {
    const template = compileTemplate(
      '{{#each @root.a}}{{#each @root.a}}{{#each @root.a}}{{#each @root.a}}x{{/each}}{{/each}}{{/each}}{{/each}}',
    );
    const a = Array.from({ length: 100 }, (_, i) => i);
    expect(template.render({ a })).toEqual({
      ok: false,
      problem: 'render_limit',
      detail: `more than ${RENDER_LIMITS.loopPasses} passes through {{#each}} in one message`,
    });
    expect(template.render({ a: [1, 2] })).toEqual({ ok: true, text: 'x'.repeat(16) });
  });

  it('stops a loop that repeats a long value past the text a message may loop out', () => {
    const template = compileTemplate('{{#each items}}{{@root.big}}{{/each}}');
    const result = template.render({ items: Array.from({ length: 50 }, () => 1), big: 'y'.repeat(10_000) });
    expect(result).toEqual({
      ok: false,
      problem: 'render_limit',
      detail: `{{#each}} wrote more than ${RENDER_LIMITS.loopChars} characters in one message`,
    });
  });

  it(`refuses a message longer than ${RENDER_LIMITS.textChars} characters, loops or not`, () => {
    // A template of 40,960 characters holds 8,192 such values, of up to 10,000 characters each.
    const template = compileTemplate('{{a}}'.repeat(1_000));
    expect(template.render({ a: 'y'.repeat(200) })).toEqual({
      ok: false,
      problem: 'render_limit',
      detail: `the message would be longer than ${RENDER_LIMITS.textChars} characters`,
    });
    expect(template.render({ a: 'y' })).toEqual({ ok: true, text: 'y'.repeat(1_000) });
  });

  it('counts every message afresh', () => {
    const template = compileTemplate('{{#each items}}.{{/each}}');
    const items = Array.from({ length: RENDER_LIMITS.loopPasses }, () => 1);
    expect(template.render({ items })).toMatchObject({ ok: true });
    expect(template.render({ items })).toMatchObject({ ok: true });
  });
});

describe('template compile errors', () => {
  it('points at the line and column of a syntax error', () => {
    const error = compileError('Hello\n  {{name');
    expect(error.line).toBe(2);
    expect(error.column).toBe(5);
    expect(error.message).toMatch(/^template: line 2, column 5: syntax error/);
  });

  it('reports a mismatched block with its position', () => {
    const error = compileError('{{#if vip}}x{{/each}}');
    expect(error).toMatchObject({ line: 1, column: 4 });
    expect(error.reason).toContain("if doesn't match each");
  });

  it('refuses an unknown helper where it is used', () => {
    expect(compileError('Hi\n{{formatdate endsAt "d MMMM"}}')).toMatchObject({
      line: 2,
      column: 1,
      reason: 'unknown helper "formatdate"',
    });
  });

  it('refuses a helper given the wrong number of arguments', () => {
    expect(compileError('{{default nickname}}').reason).toBe('default takes 2 arguments, got 1');
    expect(compileError('{{upper}}').reason).toBe('upper takes 1 argument, got 0');
  });

  it('refuses built-in object properties, which would render as a hole', () => {
    expect(compileError('{{constructor.name}}').reason).toBe(
      '"constructor.name" reads the built-in property "constructor", not a variable',
    );
    expect(compileError('{{#with a}}{{__proto__}}{{/with}}')).toMatchObject({ line: 1, column: 14 });
  });

  it('refuses partials, which have nowhere to come from', () => {
    expect(compileError('{{> footer}}').reason).toContain('partials');
  });
});

describe('buildTemplateContext', () => {
  const contact = {
    phone: '79990001122',
    name: 'Анна Петрова',
    timezone: 'Asia/Yekaterinburg',
    attributes: { discount: 20, city: 'Екатеринбург' },
  };

  it('puts attributes at the top level next to name and phone, and makes nothing up', () => {
    expect(buildTemplateContext(contact, { campaign: { name: 'Black Friday' } })).toEqual({
      discount: 20,
      city: 'Екатеринбург',
      name: 'Анна Петрова',
      phone: '79990001122',
      timezone: 'Asia/Yekaterinburg',
      locale: 'ru-RU',
      campaign: { name: 'Black Friday' },
    });
  });

  it('takes firstName only from the attribute: "Смирнова, Дарья" is never cut into "Смирнова,"', () => {
    expect(buildTemplateContext({ ...contact, attributes: { firstName: 'Аня' } }).firstName).toBe('Аня');
    const context = buildTemplateContext({ ...contact, name: 'Смирнова, Дарья', attributes: {} });
    expect(context).not.toHaveProperty('firstName');
    expect(compileTemplate('{{firstName}}, с наступающим!').render(context)).toEqual({
      ok: false,
      problem: 'missing_variable',
      variable: 'firstName',
    });
  });

  it("gives the campaign's variables to every recipient, over an attribute of the same name", () => {
    const context = buildTemplateContext(
      { ...contact, attributes: { discount: 5, city: 'Омск' } },
      { variables: { discount: 15, endsAt: '2026-11-30', empty: '' } },
    );
    expect(context).toMatchObject({ discount: 15, endsAt: '2026-11-30', city: 'Омск' });
    expect(context).not.toHaveProperty('empty');
    expect(compileTemplate("{{discount}}% until {{formatDate endsAt 'd MMMM'}}").render(context)).toEqual({
      ok: true,
      text: '15% until 30 ноября',
    });
  });

  it('leaves firstName out when nothing gives it, so the template reports it missing', () => {
    const context = buildTemplateContext({ ...contact, name: null, attributes: {} });
    expect(context).not.toHaveProperty('firstName');
    expect(compileTemplate('Hi {{firstName}}').render(context)).toEqual({
      ok: false,
      problem: 'missing_variable',
      variable: 'firstName',
    });
  });

  it('leaves out empty attributes so they count as missing', () => {
    const context = buildTemplateContext({ ...contact, attributes: { city: '', discount: null } });
    expect(compileTemplate('{{city}}').render(context)).toEqual({
      ok: false,
      problem: 'missing_variable',
      variable: 'city',
    });
  });

  it('takes the zone and locale given by the caller over the contact', () => {
    const context = buildTemplateContext(contact, {
      timezone: 'Europe/Moscow',
      locale: 'en-GB',
      appointment: { startsAt: '2026-11-27T07:00:00Z', doctor: 'Dr. Ivanov' },
    });
    expect(context).toMatchObject({ timezone: 'Europe/Moscow', locale: 'en-GB' });
    const text =
      "{{name}}, {{appointment.doctor}} at {{formatTime appointment.startsAt}} on {{formatDate appointment.startsAt 'd MMMM'}}";
    expect(compileTemplate(text).render(context)).toEqual({
      ok: true,
      text: 'Анна Петрова, Dr. Ivanov at 10:00 on 27 November',
    });
  });
});
