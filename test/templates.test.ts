import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTemplateContext, compileTemplate } from '../src/templating/template.js';

const TEMPLATES = join(import.meta.dirname, '..', 'templates');

describe('the templates shipped in templates/', async () => {
  const files = (await readdir(TEMPLATES)).filter((f) => f.endsWith('.hbs'));

  it('exist', () => expect(files.length).toBeGreaterThan(0));

  it.each(files)(
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
      if (result.ok) expect(result.text).toContain('27 ноября');
    },
  );
});
