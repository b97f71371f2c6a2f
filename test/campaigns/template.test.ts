import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TemplateError } from '../../src/campaigns/errors.js';
import {
  buildTemplateContext,
  compileTemplate,
  loadTemplateFile,
  templateFileNameProblem,
} from '../../src/campaigns/template.js';

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
    expect(render('Hi {{firstName}}!', {})).toEqual({ ok: false, missingVariable: 'firstName' });
  });

  it('reports a missing nested variable by its whole path', () => {
    expect(render('Doctor: {{appointment.doctor}}', { appointment: {} })).toEqual({
      ok: false,
      missingVariable: 'appointment.doctor',
    });
    expect(render('Doctor: {{appointment.doctor}}', {})).toEqual({
      ok: false,
      missingVariable: 'appointment.doctor',
    });
  });

  it('reports a variable missing inside a block by the name the template uses', () => {
    expect(render('{{#with appointment}}at {{room}}{{/with}}', { appointment: { doctor: 'X' } })).toEqual({
      ok: false,
      missingVariable: 'room',
    });
  });

  it('reports a missing helper argument by its name', () => {
    expect(render('{{upper city}}', {})).toEqual({ ok: false, missingVariable: 'city' });
    expect(render("{{formatDate appointment.startsAt 'd MMMM'}}", { appointment: {} })).toEqual({
      ok: false,
      missingVariable: 'appointment.startsAt',
    });
    expect(render("{{formatDate appointment.startsAt 'd MMMM'}}", {})).toEqual({
      ok: false,
      missingVariable: 'appointment.startsAt',
    });
  });

  it('treats a value that is not a date as unusable, naming it', () => {
    expect(render('{{formatDate endsAt}}', { endsAt: 'tomorrow' })).toEqual({
      ok: false,
      missingVariable: 'endsAt',
      detail: 'not a date: "tomorrow"',
    });
  });

  it('lets #if test an absent value, as strict mode allows for helper arguments', () => {
    const template = compileTemplate('{{#if vip}}VIP {{/if}}{{name}}');
    expect(template.render({ name: 'Anna' })).toEqual({ ok: true, text: 'Anna' });
    expect(template.render({ name: 'Anna', vip: true })).toEqual({ ok: true, text: 'VIP Anna' });
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

  it('puts attributes at the top level next to name, phone and the first name', () => {
    expect(buildTemplateContext(contact, { campaign: { name: 'Black Friday' } })).toEqual({
      discount: 20,
      city: 'Екатеринбург',
      name: 'Анна Петрова',
      phone: '79990001122',
      firstName: 'Анна',
      timezone: 'Asia/Yekaterinburg',
      locale: 'ru-RU',
      campaign: { name: 'Black Friday' },
    });
  });

  it('prefers a firstName attribute to the first word of the name', () => {
    expect(buildTemplateContext({ ...contact, attributes: { firstName: 'Аня' } }).firstName).toBe('Аня');
  });

  it('leaves firstName out when nothing gives it, so the template reports it missing', () => {
    const context = buildTemplateContext({ ...contact, name: null, attributes: {} });
    expect(context).not.toHaveProperty('firstName');
    expect(compileTemplate('Hi {{firstName}}').render(context)).toEqual({
      ok: false,
      missingVariable: 'firstName',
    });
  });

  it('leaves out empty attributes so they count as missing', () => {
    const context = buildTemplateContext({ ...contact, attributes: { city: '', discount: null } });
    expect(compileTemplate('{{city}}').render(context)).toEqual({ ok: false, missingVariable: 'city' });
  });

  it('takes the zone and locale given by the caller over the contact', () => {
    const context = buildTemplateContext(contact, {
      timezone: 'Europe/Moscow',
      locale: 'en-GB',
      appointment: { startsAt: '2026-11-27T07:00:00Z', doctor: 'Dr. Ivanov' },
    });
    expect(context).toMatchObject({ timezone: 'Europe/Moscow', locale: 'en-GB' });
    const text =
      "{{firstName}}, {{appointment.doctor}} at {{formatTime appointment.startsAt}} on {{formatDate appointment.startsAt 'd MMMM'}}";
    expect(compileTemplate(text).render(context)).toEqual({
      ok: true,
      text: 'Анна, Dr. Ivanov at 10:00 on 27 November',
    });
  });
});

describe('template files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'templates-'));
    await writeFile(join(dir, 'reminder.hbs'), 'See you at {{formatTime appointment.startsAt}}');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a .hbs file from the templates directory', async () => {
    await expect(loadTemplateFile('reminder.hbs', dir)).resolves.toBe(
      'See you at {{formatTime appointment.startsAt}}',
    );
  });

  it('refuses names that could leave the templates directory', async () => {
    for (const name of [
      '../secret.hbs',
      'sub/reminder.hbs',
      '..\\x.hbs',
      '/etc/passwd',
      'reminder.txt',
      '.hbs',
    ]) {
      await expect(loadTemplateFile(name, dir), name).rejects.toMatchObject({
        code: 'template_file_invalid',
      });
      expect(templateFileNameProblem(name), name).not.toBeNull();
    }
  });

  it('says which file is missing', async () => {
    await expect(loadTemplateFile('nope.hbs', dir)).rejects.toMatchObject({
      code: 'template_file_not_found',
      file: 'nope.hbs',
    });
  });
});
