import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeMessage } from '../src/messages/composeMessage.js';
import { buildTemplateContext, compileTemplate } from '../src/templating/template.js';

const TEMPLATES = join(import.meta.dirname, '..', 'templates');

describe('the templates shipped in templates/', async () => {
  const files = (await readdir(TEMPLATES)).filter((f) => f.endsWith('.hbs'));

  it('exist', () => expect(files.length).toBeGreaterThan(0));

  it.each(files.filter((f) => !f.startsWith('broadcast-')))(
    '%s renders for a contact with an appointment, leaving no variable unfilled',
    async (file) => {
      const template = compileTemplate(await readFile(join(TEMPLATES, file), 'utf8'));
      const context = buildTemplateContext(
        {
          phone: '79990001122',
          name: 'Анна Петрова',
          timezone: 'Europe/Moscow',
          attributes: { discount: 15 },
        },
        {
          campaign: { name: 'Reminders' },
          appointment: { startsAt: new Date('2026-11-27T07:30:00Z'), externalId: 'A-1', doctor: 'Иванов' },
          timezone: 'Europe/Moscow',
        },
      );

      const result = template.render(context);

      expect(result).toMatchObject({ ok: true });
      if (result.ok) expect(result.text).toMatch(/27 ноября|November 27/);
    },
  );
});

/** The bundled examples, as the worker composes them: the contact's attributes, the campaign's variables. */
describe('the example templates in Russian and English', () => {
  const contact = {
    phone: '79990001122',
    name: 'Anna Petrova',
    timezone: 'Europe/Moscow',
    attributes: { firstName: 'Anna' },
  };
  const compose = async (file: string, appointment?: { doctor: string }) =>
    composeMessage(
      {
        name: 'Example',
        transport: 'whatsapp',
        templateSource: await readFile(join(TEMPLATES, file), 'utf8'),
        variables: { discount: 20, endsAt: '2026-11-30' },
      },
      contact,
      {
        timezone: 'Europe/Moscow',
        ...(appointment
          ? {
              appointment: {
                externalId: 'A-1',
                startsAt: new Date('2026-11-27T07:30:00Z'),
                timezone: null,
                attributes: appointment,
              },
            }
          : {}),
      },
    );

  it.each([
    [
      'broadcast-ru.hbs',
      'Здравствуйте, Anna! До 30 ноября — скидка 20% на всё. Ответьте СТОП, чтобы отписаться.',
    ],
    ['broadcast-en.hbs', 'Hi Anna! 20% off everything until November 30. Reply STOP to unsubscribe.'],
  ])('%s renders a broadcast', async (file, text) => {
    expect(await compose(file)).toEqual({ ok: true, text, attachment: null });
  });

  it.each([
    [
      'reminder-ru.hbs',
      'Anna Petrova, напоминаем: вы записаны на 27 ноября, пятница в 10:30, врач Иванов. ' +
        'Если планы изменились, позвоните нам. Ответьте СТОП, чтобы отписаться.',
    ],
    [
      'reminder-en.hbs',
      'Hello Anna Petrova, a reminder: your appointment is on Friday, November 27 at 10:30 with Иванов. ' +
        'If your plans have changed, please call us. Reply STOP to unsubscribe.',
    ],
  ])('%s renders a reminder', async (file, text) => {
    expect(await compose(file, { doctor: 'Иванов' })).toEqual({ ok: true, text, attachment: null });
  });

  it('says which variable a contact lacks rather than sending a hole', async () => {
    const bare = await composeMessage(
      {
        name: 'Example',
        transport: 'whatsapp',
        templateSource: await readFile(join(TEMPLATES, 'broadcast-en.hbs'), 'utf8'),
        variables: { endsAt: '2026-11-30' },
      },
      contact,
      { timezone: 'Europe/Moscow' },
    );
    expect(bare).toMatchObject({ ok: false, problem: 'missing_variable', variable: 'discount' });
  });
});
