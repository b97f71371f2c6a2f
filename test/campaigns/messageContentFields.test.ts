import { describe, expect, it } from 'vitest';
import { IssueCollector } from '../../src/campaigns/issueCollector.js';
import { readMessageContent } from '../../src/campaigns/messageContentFields.js';

type Fields = { template?: unknown; whatsappTemplate?: unknown; attachment?: unknown };

function read(fields: Fields, transport: string | null = 'whatsapp') {
  const check = new IssueCollector();
  const content = readMessageContent(
    check,
    { template: fields.template, whatsappTemplate: fields.whatsappTemplate, attachment: fields.attachment },
    transport,
  );
  return { content, issues: check.issues };
}

const imageTemplate = { name: 'order_ready', language: 'ru', header: { type: 'image' } };

describe('readMessageContent', () => {
  it('reads Handlebars text, a template file, or an attachment alone', () => {
    expect(read({ template: 'Hi {{name}}' })).toEqual({
      content: { template: { source: 'Hi {{name}}' }, whatsappTemplate: null, attachment: null },
      issues: [],
    });
    expect(read({ template: { file: 'visit.hbs' } }).content.template).toEqual({ file: 'visit.hbs' });
    expect(read({ attachment: 'https://example.com/menu.pdf' })).toEqual({
      content: { template: null, whatsappTemplate: null, attachment: 'https://example.com/menu.pdf' },
      issues: [],
    });
  });

  it('requires something to send, saying what may be given', () => {
    const { issues } = read({});

    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('template');
    expect(issues[0]!.message).toMatch(/^required .*whatsappTemplate or an attachment$/);
  });

  it('points at the line and column of a template that does not compile', () => {
    const { content, issues } = read({ template: 'Hi\n{{#if vip}}dear' });

    expect(content.template).toBeNull();
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('template');
    expect(issues[0]!.message).toMatch(/^line 2, column \d+ of the template: /);
  });

  it('refuses an empty template, a template of the wrong type, and a file name with a path', () => {
    expect(read({ template: '   ' }).issues).toEqual([{ path: 'template', message: 'is empty' }]);
    expect(read({ template: 42 }).issues).toEqual([
      { path: 'template', message: 'expected Handlebars text or {"file": "name.hbs"}, got 42' },
    ]);
    expect(read({ template: ['a'] }).issues[0]!.path).toBe('template');
    expect(read({ template: { file: '../secrets.hbs' } }).issues).toEqual([
      {
        path: 'template.file',
        message: '"../secrets.hbs" must name a file directly in templates/, without a path',
      },
    ]);
    expect(read({ template: { file: 'a.hbs', extra: 1 } }).issues.map((i) => i.path)).toEqual([
      'template.extra',
    ]);
  });

  it('refuses free text beside a WhatsApp template: the template is the whole message', () => {
    const { issues } = read({ template: 'Hi', whatsappTemplate: { name: 'order_ready', language: 'ru' } });

    expect(issues.map((i) => i.path)).toEqual(['whatsappTemplate']);
    expect(issues[0]!.message).toMatch(/^give template or whatsappTemplate, not both/);
  });

  it('takes a WhatsApp template with a media header only with the file of its kind as the attachment', () => {
    const ok = read({ whatsappTemplate: imageTemplate, attachment: 'https://example.com/ready.png' });
    expect(ok.issues).toEqual([]);
    expect(ok.content).toMatchObject({ template: null, attachment: 'https://example.com/ready.png' });
    expect(ok.content.whatsappTemplate).toMatchObject({ name: 'order_ready', header: { type: 'image' } });

    expect(read({ whatsappTemplate: imageTemplate }).issues).toEqual([
      {
        path: 'attachment',
        message: `required by whatsappTemplate.header.type "image": the header's file is sent as the attachment`,
      },
    ]);
    expect(
      read({ whatsappTemplate: imageTemplate, attachment: 'https://example.com/ready.pdf' }).issues,
    ).toEqual([
      { path: 'attachment', message: 'is a pdf file, and whatsappTemplate.header.type "image" takes image' },
    ]);
  });

  it('matches a document header to a PDF and a video header to a video', () => {
    const header = (type: string) => ({ ...imageTemplate, header: { type } });

    expect(read({ whatsappTemplate: header('document'), attachment: 'https://e.com/a.pdf' }).issues).toEqual(
      [],
    );
    expect(read({ whatsappTemplate: header('video'), attachment: 'https://e.com/a.mp4' }).issues).toEqual([]);
    expect(
      read({ whatsappTemplate: header('video'), attachment: 'https://e.com/a.jpg' }).issues[0]!.message,
    ).toMatch(/image file, and whatsappTemplate.header.type "video" takes video$/);
  });

  it('refuses a file beside a WhatsApp template without a media header', () => {
    const { issues } = read({
      whatsappTemplate: { name: 'order_ready', language: 'ru' },
      attachment: 'https://example.com/ready.png',
    });

    expect(issues.map((i) => i.path)).toEqual(['attachment']);
    expect(issues[0]!.message).toMatch(/^a WhatsApp template carries a file only in a media header/);
  });

  it('reports a bad attachment once, not again as the wrong kind for the header', () => {
    const { issues } = read({ whatsappTemplate: imageTemplate, attachment: 'ftp://example.com/ready.png' });

    expect(issues).toEqual([
      { path: 'attachment', message: 'must be an https:// (or http://) URL, not ftp:' },
    ]);
  });
});
