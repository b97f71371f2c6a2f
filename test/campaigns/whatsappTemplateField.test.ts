import { describe, expect, it } from 'vitest';
import { IssueCollector } from '../../src/campaigns/issueCollector.js';
import { readWhatsAppTemplate } from '../../src/campaigns/whatsappTemplateField.js';
import type { WhatsAppTemplate } from '../../src/messages/whatsappTemplate.js';

function read(
  value: unknown,
  transport: string | null = 'whatsapp',
): { template: WhatsAppTemplate | null; problems: string[] } {
  const check = new IssueCollector();
  const template = readWhatsAppTemplate(check, value, transport);
  return { template, problems: check.issues.map((issue) => `${issue.path}: ${issue.message}`) };
}

describe('readWhatsAppTemplate', () => {
  it('reads the name, language and the Handlebars sources of the variables', () => {
    expect(
      read({
        name: 'order_update',
        language: 'ru',
        body: ['{{firstName}}', 'A-1042'],
        buttons: ['{{order}}'],
      }),
    ).toEqual({
      template: {
        name: 'order_update',
        language: 'ru',
        body: ['{{firstName}}', 'A-1042'],
        buttons: ['{{order}}'],
      },
      problems: [],
    });
  });

  it('reads a text header and a media header, and takes null for an absent list', () => {
    expect(
      read({
        name: 'order_update',
        language: 'en_US',
        header: { type: 'text', text: 'Hi {{name}}' },
        body: null,
      }).template,
    ).toEqual({
      name: 'order_update',
      language: 'en_US',
      header: { type: 'text', text: 'Hi {{name}}' },
      body: [],
      buttons: [],
    });
    expect(
      read({ name: 'order_update', language: 'ru', header: { type: 'video' } }).template?.header,
    ).toEqual({
      type: 'video',
    });
  });

  it('is nothing when absent, and refuses what is not an object', () => {
    expect(read(undefined)).toEqual({ template: null, problems: [] });
    expect(read('order_update')).toEqual({
      template: null,
      problems: ['whatsappTemplate: expected an object, got "order_update"'],
    });
  });

  it('goes only with the whatsapp transport', () => {
    expect(read({ name: 'x', language: 'ru' }, 'viber').problems).toEqual([
      'whatsappTemplate: an approved WhatsApp template goes only with transport "whatsapp", not "viber"',
    ]);
    expect(read({ name: 'x', language: 'ru' }, null).problems).toEqual([]);
  });

  it("refuses a name or language that is not Meta's", () => {
    expect(read({ name: 'Order Update', language: 'russian' })).toEqual({
      template: null,
      problems: [
        'whatsappTemplate.name: "Order Update" is not a template name: lowercase letters, digits and _ (as Meta approved it)',
        'whatsappTemplate.language: "russian" is not a template language code such as "ru", "en" or "en_US"',
      ],
    });
    expect(read({ language: 'ru' }).problems).toEqual([
      "whatsappTemplate.name: expected the approved template's name, got nothing",
    ]);
  });

  it('refuses an unknown header type and text on a media header', () => {
    expect(read({ name: 'x', language: 'ru', header: { type: 'gif' } }).problems).toEqual([
      'whatsappTemplate.header.type: expected one of text, image, document, video, got "gif"',
    ]);
    expect(read({ name: 'x', language: 'ru', header: { type: 'video', text: 'x' } })).toEqual({
      template: null,
      problems: ['whatsappTemplate.header.text: a video header has no text: its file is the attachment'],
    });
  });

  it('refuses a list that is not one, or has more variables than WhatsApp takes', () => {
    expect(read({ name: 'x', language: 'ru', body: '{{a}}' }).problems).toEqual([
      'whatsappTemplate.body: expected an array of Handlebars texts, one per variable, e.g. ["{{firstName}}"], got "{{a}}"',
    ]);
    expect(read({ name: 'x', language: 'ru', body: Array(21).fill('{{a}}') }).problems).toEqual([
      'whatsappTemplate.body: has 21 variables; at most 20',
    ]);
    expect(read({ name: 'x', language: 'ru', buttons: Array(11).fill('{{a}}') }).problems).toEqual([
      'whatsappTemplate.buttons: has 11 variables; at most 10',
    ]);
  });

  it('reports each bad variable by its index: broken Handlebars with its column, empty, too long, unwritable', () => {
    const { template, problems } = read({
      name: 'x',
      language: 'ru',
      body: ['{{a', 'a|b', '', 'x'.repeat(2049), 'fine {{a}}'],
    });
    expect(template).toBeNull();
    expect(problems).toEqual([
      expect.stringMatching(/^whatsappTemplate\.body\[0\]: column 3: syntax error: /),
      'whatsappTemplate.body[1]: contains "|", which separates the values of Chat2Desk\'s @HSM@ markup',
      'whatsappTemplate.body[2]: expected Handlebars text for the variable, e.g. "{{firstName}}", got ""',
      'whatsappTemplate.body[3]: is 2049 characters long; at most 2048',
    ]);
  });

  it('checks the length of plain text now, and of Handlebars text when it is rendered', () => {
    expect(
      read({ name: 'x', language: 'ru', header: { type: 'text', text: 'x'.repeat(61) } }).problems,
    ).toEqual(['whatsappTemplate.header.text: comes to 61 characters; at most 60']);
    expect(
      read({ name: 'x', language: 'ru', header: { type: 'text', text: `{{a}}${'x'.repeat(61)}` } }).problems,
    ).toEqual([]);
  });

  it('suggests the field an unknown key likely meant', () => {
    expect(read({ name: 'x', language: 'ru', langauge: 'en' }).problems).toEqual([
      'whatsappTemplate.langauge: unknown field; did you mean "language"?',
    ]);
  });
});
