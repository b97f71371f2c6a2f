import { describe, expect, it } from 'vitest';
import { campaignDocument } from '../../src/campaigns/campaignDocument.js';
import { validateCampaignDefinition } from '../../src/campaigns/definition.js';
import { CampaignDefinitionError, type CampaignDefinitionIssue } from '../../src/campaigns/errors.js';
import { composeMessage } from '../../src/messages/composeMessage.js';

/**
 * `whatsappTemplate` (an approved WhatsApp template, sent as Chat2Desk's @HSM@ markup) and
 * `attachment` (a file by URL): how a campaign writes them, what is refused at creation (each problem
 * at its field), and the message composed from them for one contact.
 */
const now = new Date('2026-11-20T12:00:00Z');

const orderUpdate = {
  name: 'Order updates',
  kind: 'broadcast',
  transport: 'whatsapp',
  channelId: 1,
  whatsappTemplate: {
    name: 'order_update',
    language: 'ru',
    body: ['{{firstName}}', '{{orderNo}}'],
  },
  audience: { list: 'vip' },
  schedule: { at: '2026-11-27T10:00:00+03:00' },
};

function issues(value: unknown): CampaignDefinitionIssue[] {
  try {
    validateCampaignDefinition(value, { now });
  } catch (error) {
    if (error instanceof CampaignDefinitionError) return error.issues;
    throw error;
  }
  throw new Error('expected the definition to be refused');
}

const anna = {
  phone: '79001234567',
  name: 'Anna',
  timezone: null,
  attributes: { firstName: 'Anna', orderNo: 'A-1042' },
};

describe('a campaign with whatsappTemplate', () => {
  it('needs no template: the approved template is the message', () => {
    const definition = validateCampaignDefinition(orderUpdate, { now });
    expect(definition.template).toBeNull();
    expect(definition.whatsappTemplate).toEqual({
      name: 'order_update',
      language: 'ru',
      body: ['{{firstName}}', '{{orderNo}}'],
      buttons: [],
    });
  });

  it('reads back unchanged from campaignDocument, header, buttons and attachment included', () => {
    const value = {
      ...orderUpdate,
      whatsappTemplate: {
        ...orderUpdate.whatsappTemplate,
        header: { type: 'image' },
        buttons: ['{{orderNo}}'],
      },
      attachment: 'https://cdn.example.com/offers/winter.jpg',
    };
    const definition = validateCampaignDefinition(value, { now });
    const again = validateCampaignDefinition(campaignDocument(definition), { now });
    expect({ ...again, raw: undefined }).toEqual({ ...definition, raw: undefined });
  });

  it('is refused on any transport but whatsapp, naming the field', () => {
    expect(issues({ ...orderUpdate, transport: 'viber' })).toEqual([
      {
        path: 'whatsappTemplate',
        message: expect.stringMatching(/only with transport "whatsapp", not "viber"/),
      },
    ]);
  });

  it('is refused together with template: the markup has no room for other text', () => {
    expect(issues({ ...orderUpdate, template: 'Hi {{firstName}}' }).map((i) => i.path)).toEqual([
      'whatsappTemplate',
    ]);
  });

  it('names each bad part of the template by its path', () => {
    const found = issues({
      ...orderUpdate,
      whatsappTemplate: {
        name: 'Order Update',
        language: 'russian',
        header: { type: 'gif' },
        body: ['{{firstName}}', '{{#if}}', 'a|b', 7],
        buttons: ['{{unknownHelper x}}'],
        footer: 'Thanks',
      },
    });
    expect(found.map((i) => i.path)).toEqual([
      'whatsappTemplate.footer',
      'whatsappTemplate.name',
      'whatsappTemplate.language',
      'whatsappTemplate.header.type',
      'whatsappTemplate.body[1]',
      'whatsappTemplate.body[2]',
      'whatsappTemplate.body[3]',
      'whatsappTemplate.buttons[0]',
    ]);
    expect(found.find((i) => i.path === 'whatsappTemplate.body[2]')?.message).toMatch(/separates the values/);
    expect(found.find((i) => i.path === 'whatsappTemplate.buttons[0]')?.message).toMatch(/unknown helper/);
  });

  it("keeps to Meta's bounds: a 512-character name, 20 body variables, a 60-character text header", () => {
    const at = (whatsappTemplate: Record<string, unknown>) =>
      issues({ ...orderUpdate, whatsappTemplate: { name: 'x', language: 'ru', ...whatsappTemplate } });
    expect(at({ name: 'a'.repeat(513) })).toEqual([
      { path: 'whatsappTemplate.name', message: expect.stringMatching(/at most 512/) },
    ]);
    expect(
      validateCampaignDefinition(
        { ...orderUpdate, whatsappTemplate: { name: 'a'.repeat(512), language: 'ru' } },
        { now },
      ).whatsappTemplate?.name,
    ).toHaveLength(512);
    expect(at({ body: Array.from({ length: 21 }, () => '{{firstName}}') })).toEqual([
      { path: 'whatsappTemplate.body', message: 'has 21 variables; at most 20' },
    ]);
    expect(at({ header: { type: 'text', text: 'x'.repeat(61) } })).toEqual([
      { path: 'whatsappTemplate.header.text', message: 'comes to 61 characters; at most 60' },
    ]);
    expect(at({ body: ['y'.repeat(1025)] })).toEqual([
      { path: 'whatsappTemplate.body[0]', message: 'comes to 1025 characters; at most 1024' },
    ]);
  });

  it('takes a file only in a media header, whose kind must match the attachment', () => {
    const photo = 'https://cdn.example.com/a.jpg';
    expect(issues({ ...orderUpdate, attachment: photo })).toEqual([
      { path: 'attachment', message: expect.stringMatching(/only in a media header/) },
    ]);
    const withHeader = (type: string, attachment?: string) => ({
      ...orderUpdate,
      whatsappTemplate: { ...orderUpdate.whatsappTemplate, header: { type } },
      ...(attachment ? { attachment } : {}),
    });
    expect(issues(withHeader('image'))).toEqual([
      {
        path: 'attachment',
        message: expect.stringMatching(/required by whatsappTemplate.header.type "image"/),
      },
    ]);
    expect(issues(withHeader('document', photo))).toEqual([
      {
        path: 'attachment',
        message: 'is an image file, and whatsappTemplate.header.type "document" takes pdf',
      },
    ]);
    expect(
      validateCampaignDefinition(withHeader('document', 'https://x.example/bill.PDF'), { now }).attachment,
    ).toBe('https://x.example/bill.PDF');
  });
});

describe('a campaign with attachment', () => {
  const broadcast = {
    ...orderUpdate,
    transport: 'viber',
    whatsappTemplate: undefined,
    template: 'Hi {{firstName}}',
  };

  it('sends the file with the text, or alone when there is no template', () => {
    expect(
      validateCampaignDefinition({ ...broadcast, attachment: 'https://x.example/p.png' }, { now }),
    ).toMatchObject({
      template: { source: 'Hi {{firstName}}' },
      attachment: 'https://x.example/p.png',
    });
    const alone = validateCampaignDefinition(
      { ...broadcast, template: undefined, attachment: 'http://x.example/menu.pdf' },
      { now },
    );
    expect(alone.template).toBeNull();
    expect(alone.attachment).toBe('http://x.example/menu.pdf');
  });

  it('still needs a template when there is neither a whatsappTemplate nor an attachment', () => {
    expect(issues({ ...broadcast, template: undefined })).toEqual([
      { path: 'template', message: expect.stringMatching(/^required .*whatsappTemplate or an attachment/) },
    ]);
  });

  it('must be a well-formed absolute http(s) URL of at most 2,048 characters naming a known kind of file', () => {
    const refused = (attachment: unknown) => issues({ ...broadcast, attachment });
    for (const [attachment, message] of [
      ['offer.jpg', /not an absolute URL/],
      ['ftp://x.example/a.jpg', /https:\/\/ \(or http:\/\/\) URL, not ftp:/],
      ['https://x.example/a b.jpg', /spaces or control characters/],
      ['https://user:secret@x.example/a.jpg', /user name or password/],
      ['https://x.example/download?id=3', /kind cannot be told .*\.jpg/],
      [`https://x.example/${'a'.repeat(2040)}.jpg`, /at most 2048/],
      [42, /expected the URL of a file/],
    ] as const) {
      expect(refused(attachment)).toEqual([{ path: 'attachment', message: expect.stringMatching(message) }]);
    }
    const longest = `https://x.example/${'a'.repeat(2048 - 'https://x.example/.jpg'.length)}.jpg`;
    expect(longest).toHaveLength(2048);
    expect(validateCampaignDefinition({ ...broadcast, attachment: longest }, { now }).attachment).toBe(
      longest,
    );
  });
});

describe('composeMessage with a WhatsApp template', () => {
  const campaign = {
    name: 'Order updates',
    transport: 'whatsapp',
    templateSource: '',
    variables: { shop: 'Lavka' },
    whatsappTemplate: {
      name: 'order_update',
      language: 'ru',
      header: { type: 'text' as const, text: '{{orderNo}}' },
      body: ['{{firstName}}', '{{orderNo}} ({{shop}})'],
      buttons: ['{{orderNo}}'],
    },
  };

  it("writes the @HSM@ markup with the contact's values, rendered as template is", () => {
    expect(composeMessage(campaign, anna, { timezone: 'UTC' })).toEqual({
      ok: true,
      text: '@HSM@\norder_update|ru\nheader|text|A-1042\nbody|text|Anna|A-1042 (Lavka)\nbutton|text|A-1042',
      attachment: null,
    });
  });

  it('stops at a variable the contact lacks, named as the template names it', () => {
    const { orderNo: _, ...attributes } = anna.attributes;
    expect(composeMessage(campaign, { ...anna, attributes }, { timezone: 'UTC' })).toEqual({
      ok: false,
      problem: 'missing_variable',
      variable: 'orderNo',
    });
  });

  it('refuses a value the markup cannot carry, naming its field', () => {
    const message = composeMessage(
      campaign,
      { ...anna, attributes: { ...anna.attributes, firstName: 'Anna\nPetrova' } },
      { timezone: 'UTC' },
    );
    expect(message).toMatchObject({
      ok: false,
      problem: 'invalid_variable',
      variable: 'whatsappTemplate.body[0]',
      detail: expect.stringMatching(/line break/),
    });
  });

  it('carries the attachment, and sends a file alone with no text', () => {
    const file = 'https://x.example/menu.pdf';
    expect(
      composeMessage({ ...campaign, whatsappTemplate: null, templateSource: '', attachment: file }, anna, {
        timezone: 'UTC',
      }),
    ).toEqual({ ok: true, text: '', attachment: file });
  });
});
