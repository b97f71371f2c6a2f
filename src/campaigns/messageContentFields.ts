import { attachmentKind } from '../messages/attachment.js';
import type { WhatsAppTemplate } from '../messages/whatsappTemplate.js';
import { compileTemplate } from '../templating/template.js';
import { readAttachment } from './attachmentField.js';
import { TemplateError } from './errors.js';
import type { IssueCollector } from './issueCollector.js';
import { templateFileNameProblem } from './templateFile.js';
import { readWhatsAppTemplate } from './whatsappTemplateField.js';

/**
 * What a campaign sends, from three fields read together: `template` (Handlebars text, inline or
 * from templates/), `whatsappTemplate` (an approved WhatsApp template, which is then the whole
 * message) and `attachment` (a file by URL, with the text or alone). At least one of them; a
 * template message has no room for free text, and its only file is its media header's.
 */
export interface MessageContent {
  /** null: the message is a WhatsApp template, or the attachment alone. */
  template: { source: string } | { file: string } | null;
  whatsappTemplate: WhatsAppTemplate | null;
  attachment: string | null;
}

/** The file kind each media header takes, as attachmentKind names it. */
const HEADER_FILE_KIND = { image: 'image', document: 'pdf', video: 'video' } as const;

export function readMessageContent(
  check: IssueCollector,
  fields: { template: unknown; whatsappTemplate: unknown; attachment: unknown },
  transport: string | null,
): MessageContent {
  const whatsappTemplate = readWhatsAppTemplate(check, fields.whatsappTemplate, transport);
  const attachment = readAttachment(check, fields.attachment);
  let template: MessageContent['template'] = null;
  if (fields.template !== undefined) template = readTemplate(check, fields.template);
  else if (fields.whatsappTemplate === undefined && fields.attachment === undefined) {
    check.add(
      'template',
      'required (Handlebars text, or {"file": "name.hbs"} from templates/), unless the campaign sends a ' +
        'whatsappTemplate or an attachment',
    );
  }
  if (fields.template !== undefined && fields.whatsappTemplate !== undefined) {
    check.add(
      'whatsappTemplate',
      'give template or whatsappTemplate, not both: Chat2Desk sends an approved template as the whole ' +
        'message (its @HSM@ markup), with no room for other text',
    );
  }
  if (whatsappTemplate) checkTemplateFile(check, whatsappTemplate, attachment, fields.attachment);
  return { template, whatsappTemplate, attachment };
}

/** A template's one file is its media header's, sent as the message's attachment. */
function checkTemplateFile(
  check: IssueCollector,
  template: WhatsAppTemplate,
  attachment: string | null,
  attachmentValue: unknown,
): void {
  const header = template.header;
  const media = header && header.type !== 'text' ? header.type : null;
  if (media === null) {
    if (attachmentValue !== undefined) {
      check.add(
        'attachment',
        'a WhatsApp template carries a file only in a media header: set whatsappTemplate.header.type to ' +
          'image, document or video, or leave the attachment out',
      );
    }
    return;
  }
  if (attachmentValue === undefined) {
    check.add(
      'attachment',
      `required by whatsappTemplate.header.type "${media}": the header's file is sent as the attachment`,
    );
    return;
  }
  const kind = attachment === null ? null : attachmentKind(attachment);
  if (kind !== null && kind !== HEADER_FILE_KIND[media]) {
    check.add(
      'attachment',
      `is ${kind === 'image' ? 'an' : 'a'} ${kind} file, and whatsappTemplate.header.type "${media}" takes ${HEADER_FILE_KIND[media]}`,
    );
  }
}

function readTemplate(check: IssueCollector, value: unknown): MessageContent['template'] {
  if (typeof value === 'string') {
    if (value.trim() === '') {
      check.add('template', 'is empty');
      return null;
    }
    try {
      compileTemplate(value);
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      const where =
        error.line === null
          ? ''
          : `line ${error.line}${error.column === null ? '' : `, column ${error.column}`} of the template: `;
      check.add('template', `${where}${error.reason}`);
      return null;
    }
    return { source: value };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    check.expected('template', 'Handlebars text or {"file": "name.hbs"}', value);
    return null;
  }
  const spec = check.object(value, 'template', ['file']);
  if (!spec) return null;
  const problem = templateFileNameProblem(spec.file);
  if (problem) {
    check.add('template.file', problem);
    return null;
  }
  return { file: spec.file as string };
}
