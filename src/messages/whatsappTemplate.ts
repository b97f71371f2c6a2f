import { compileTemplate, type RenderFailure } from '../templating/template.js';
import {
  markupValueProblem,
  type WhatsAppHeaderMedia,
  type WhatsAppTemplateValues,
} from './whatsappTemplateMarkup.js';

/**
 * A campaign's `whatsappTemplate`: an approved WhatsApp template (HSM) by name and language, with
 * its variables written as Handlebars, rendered per contact under the same strict rules as
 * `template` (a value the contact lacks skips that contact, never leaves a hole), then written as
 * Chat2Desk's @HSM@ markup (whatsappTemplateMarkup.ts).
 */
export interface WhatsAppTemplate {
  name: string;
  language: string;
  /** text: the header's one variable; a media header's file is the campaign's `attachment`. */
  header?: { type: 'text'; text: string } | { type: WhatsAppHeaderMedia };
  /** Handlebars sources of the body's variables, in the template's order ({{1}}, {{2}}…). */
  body: string[];
  /** Handlebars sources of the buttons' variables (a dynamic URL's suffix), in order. */
  buttons: string[];
}

/**
 * Meta's limits (WhatsApp template components): a name of at most 512 lowercase letters, digits and
 * underscores; a text header of 60 characters with one variable; a body of 1,024 characters; at most
 * 10 buttons. Chat2Desk's article repeats the 1,024 and 60. Twenty body variables is our own bound
 * (Meta states none); a value's source is bounded so no variable is a whole template in disguise.
 */
export const WHATSAPP_TEMPLATE_LIMITS = {
  nameChars: 512,
  languageChars: 12,
  headerChars: 60,
  valueChars: 1024,
  bodyVariables: 20,
  buttons: 10,
  sourceChars: 2048,
} as const;

export function valueProblem(value: string, maxChars: number): string | null {
  const problem = markupValueProblem(value);
  if (problem) return problem;
  const length = [...value].length;
  return length > maxChars ? `comes to ${length} characters; at most ${maxChars}` : null;
}

/**
 * The template's values for one contact, each rendered from `context` as `template` is. A value the
 * contact lacks is missing_variable (named as the Handlebars variable); one the markup cannot carry
 * or too long is invalid_variable, named by its field (`whatsappTemplate.body[1]`).
 */
export function renderWhatsAppTemplateValues(
  template: WhatsAppTemplate,
  context: Record<string, unknown>,
): { ok: true; values: WhatsAppTemplateValues } | RenderFailure {
  const render = (
    path: string,
    source: string,
    maxChars: number,
  ): { ok: true; text: string } | RenderFailure => {
    const rendered = compileTemplate(source).render(context);
    if (!rendered.ok) return rendered;
    const problem = valueProblem(rendered.text, maxChars);
    return problem ? { ok: false, problem: 'invalid_variable', variable: path, detail: problem } : rendered;
  };
  let header: WhatsAppTemplateValues['header'];
  if (template.header?.type === 'text') {
    const text = render(
      'whatsappTemplate.header.text',
      template.header.text,
      WHATSAPP_TEMPLATE_LIMITS.headerChars,
    );
    if (!text.ok) return text;
    header = { type: 'text', text: text.text };
  } else if (template.header) header = { type: template.header.type };
  const body: string[] = [];
  for (const [i, source] of template.body.entries()) {
    const value = render(`whatsappTemplate.body[${i}]`, source, WHATSAPP_TEMPLATE_LIMITS.valueChars);
    if (!value.ok) return value;
    body.push(value.text);
  }
  const buttons: string[] = [];
  for (const [i, source] of template.buttons.entries()) {
    const value = render(`whatsappTemplate.buttons[${i}]`, source, WHATSAPP_TEMPLATE_LIMITS.valueChars);
    if (!value.ok) return value;
    buttons.push(value.text);
  }
  return {
    ok: true,
    values: {
      name: template.name,
      language: template.language,
      ...(header ? { header } : {}),
      body,
      buttons,
    },
  };
}
