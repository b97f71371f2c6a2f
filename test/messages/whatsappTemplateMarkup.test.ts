import { describe, expect, it } from 'vitest';
import { markupValueProblem, renderWhatsAppTemplate } from '../../src/messages/whatsappTemplateMarkup.js';

/**
 * Chat2Desk's @HSM@ markup, as its knowledge base writes it ("How to work with WhatsApp Business API
 * templates"): the mark, name|language, then header, body and button lines, each component only when
 * it has something to fill.
 */
describe('renderWhatsAppTemplate', () => {
  it('writes the mark and name|language alone for a template without variables', () => {
    expect(renderWhatsAppTemplate({ name: 'claims_13', language: 'ru', body: [], buttons: [] })).toBe(
      '@HSM@\nclaims_13|ru',
    );
  });

  it("writes the body's variables in order on one body|text line", () => {
    expect(
      renderWhatsAppTemplate({
        name: 'order_update',
        language: 'en_US',
        body: ["Operator's name", 'Order number'],
        buttons: [],
      }),
    ).toBe("@HSM@\norder_update|en_US\nbody|text|Operator's name|Order number");
  });

  it('writes a media header by its type (the file is the attachment) and a text header with its value', () => {
    expect(
      renderWhatsAppTemplate({
        name: 'offer',
        language: 'ru',
        header: { type: 'image' },
        body: ['Anna'],
        buttons: [],
      }),
    ).toBe('@HSM@\noffer|ru\nheader|image\nbody|text|Anna');
    expect(
      renderWhatsAppTemplate({
        name: 'offer',
        language: 'ru',
        header: { type: 'text', text: 'A-1042' },
        body: [],
        buttons: [],
      }),
    ).toBe('@HSM@\noffer|ru\nheader|text|A-1042');
  });

  it('writes one line per button variable, after the body', () => {
    expect(
      renderWhatsAppTemplate({
        name: 'track',
        language: 'en',
        body: ['Anna'],
        buttons: ['A-1042', 'promo'],
      }),
    ).toBe('@HSM@\ntrack|en\nbody|text|Anna\nbutton|text|A-1042\nbutton|text|promo');
  });

  it('refuses a value the markup cannot carry rather than write a broken message', () => {
    expect(() => renderWhatsAppTemplate({ name: 'x', language: 'ru', body: ['a|b'], buttons: [] })).toThrow(
      /separates the values/,
    );
    expect(() =>
      renderWhatsAppTemplate({ name: 'x', language: 'ru', body: ['two\nlines'], buttons: [] }),
    ).toThrow(/line break/);
  });
});

describe('markupValueProblem', () => {
  it('accepts ordinary text, including spaces, quotes and non-Latin letters', () => {
    for (const value of ['Anna', 'Анна Петрова', "O'Brien", '25%', 'a    b']) {
      expect(markupValueProblem(value)).toBeNull();
    }
  });

  it('names what WhatsApp or the markup refuses: empty, |, line breaks, tabs, five spaces', () => {
    expect(markupValueProblem('  ')).toMatch(/empty/);
    expect(markupValueProblem('a|b')).toMatch(/"\|"/);
    expect(markupValueProblem('a\r\nb')).toMatch(/line break/);
    expect(markupValueProblem('a\tb')).toMatch(/tab/);
    expect(markupValueProblem('a     b')).toMatch(/four spaces/);
  });
});
