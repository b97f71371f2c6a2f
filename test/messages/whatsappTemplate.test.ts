import { describe, expect, it } from 'vitest';
import {
  renderWhatsAppTemplateValues,
  valueProblem,
  WHATSAPP_TEMPLATE_LIMITS,
  type WhatsAppTemplate,
} from '../../src/messages/whatsappTemplate.js';

const context = { name: 'Анна', order: 'A-1042', tab: 'a\tb', empty: ' ' };
const template = (fields: Partial<WhatsAppTemplate>): WhatsAppTemplate => ({
  name: 'order_update',
  language: 'ru',
  body: [],
  buttons: [],
  ...fields,
});

describe('renderWhatsAppTemplateValues', () => {
  it("renders every value from the contact's context, in order, keeping name and language", () => {
    expect(
      renderWhatsAppTemplateValues(
        template({ body: ['{{name}}', 'Заказ {{order}}'], buttons: ['{{order}}'] }),
        context,
      ),
    ).toEqual({
      ok: true,
      values: { name: 'order_update', language: 'ru', body: ['Анна', 'Заказ A-1042'], buttons: ['A-1042'] },
    });
  });

  it('renders a text header and passes a media header on by its type', () => {
    expect(
      renderWhatsAppTemplateValues(template({ header: { type: 'text', text: 'Для {{name}}' } }), context),
    ).toMatchObject({ ok: true, values: { header: { type: 'text', text: 'Для Анна' } } });
    expect(renderWhatsAppTemplateValues(template({ header: { type: 'document' } }), context)).toEqual({
      ok: true,
      values: { name: 'order_update', language: 'ru', header: { type: 'document' }, body: [], buttons: [] },
    });
  });

  it('reports a value the contact lacks by its Handlebars name', () => {
    expect(renderWhatsAppTemplateValues(template({ body: ['{{name}}', '{{missing}}'] }), context)).toEqual({
      ok: false,
      problem: 'missing_variable',
      variable: 'missing',
    });
  });

  it('refuses a value the markup cannot carry, naming its field', () => {
    expect(renderWhatsAppTemplateValues(template({ buttons: ['{{name}}', '{{tab}}'] }), context)).toEqual({
      ok: false,
      problem: 'invalid_variable',
      variable: 'whatsappTemplate.buttons[1]',
      detail: 'contains a tab; WhatsApp refuses one in a template parameter',
    });
    expect(
      renderWhatsAppTemplateValues(template({ body: ['{{name}}', '{{empty}}'] }), context),
    ).toMatchObject({
      variable: 'whatsappTemplate.body[1]',
      detail: 'is empty; WhatsApp refuses an empty template parameter',
    });
  });

  it(`holds a header to ${WHATSAPP_TEMPLATE_LIMITS.headerChars} characters and other values to ${WHATSAPP_TEMPLATE_LIMITS.valueChars}`, () => {
    const header = { type: 'text' as const, text: 'x'.repeat(61) };
    expect(renderWhatsAppTemplateValues(template({ header }), context)).toEqual({
      ok: false,
      problem: 'invalid_variable',
      variable: 'whatsappTemplate.header.text',
      detail: 'comes to 61 characters; at most 60',
    });
    expect(
      renderWhatsAppTemplateValues(template({ header: { type: 'text', text: 'x'.repeat(60) } }), context).ok,
    ).toBe(true);
    const long = { long: 'y'.repeat(1025) };
    expect(renderWhatsAppTemplateValues(template({ body: ['{{long}}'] }), long)).toMatchObject({
      variable: 'whatsappTemplate.body[0]',
      detail: 'comes to 1025 characters; at most 1024',
    });
  });
});

describe('valueProblem', () => {
  it('counts characters, not UTF-16 units', () => {
    expect(valueProblem('😀😀😀😀😀', 5)).toBeNull();
    expect(valueProblem('😀😀😀😀😀😀', 5)).toBe('comes to 6 characters; at most 5');
  });

  it("reports the markup's own problem before the length", () => {
    expect(valueProblem('a|b', 1)).toBe(
      'contains "|", which separates the values of Chat2Desk\'s @HSM@ markup',
    );
    expect(valueProblem('a     b', 50)).toBe(
      'has more than four spaces in a row; WhatsApp refuses that in a parameter',
    );
    expect(valueProblem('two\nlines', 50)).toBe(
      'contains a line break; WhatsApp refuses one in a template parameter',
    );
  });
});
