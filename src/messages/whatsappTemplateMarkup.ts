/**
 * Chat2Desk's text form of an approved WhatsApp template (HSM): the one place that knows the markup,
 * so a correction is made here and nowhere else. Written after Chat2Desk's knowledge base, "How to
 * work with WhatsApp Business API templates" (its Dialog360 article): a message of several lines,
 *
 *   @HSM@                           line 1, the mark
 *   order_update|ru                 line 2, the template's name (lowercase, underscores) and language
 *   header|image                    only with a header: its type (image, document, video: the file
 *                                   travels as the message's attachment; text: `header|text|value`)
 *   body|text|Anna|A-1042           the body's variables in order ({{1}}, {{2}}…), `|` between them
 *   button|text|A-1042              one line per button variable (see BUTTON below)
 *
 * A component without variables is not written ("if a component does not require variables, it is
 * not specified in the markup"). Public integrations send the same first two lines
 * (`@HSM@\nclaims_13|ru`). Chat2Desk documents no escape for `|` or a line break inside a value, and
 * WhatsApp refuses a parameter with a line break, a tab or more than four spaces in a row, so such a
 * value is never written: markupValueProblem says why, and the contact is skipped.
 */
export const HSM_MARK = '@HSM@';

export const WHATSAPP_HEADER_MEDIA = ['image', 'document', 'video'] as const;
export type WhatsAppHeaderMedia = (typeof WHATSAPP_HEADER_MEDIA)[number];

/** A template with its values already rendered for one contact. */
export interface WhatsAppTemplateValues {
  name: string;
  language: string;
  header?: { type: 'text'; text: string } | { type: WhatsAppHeaderMedia };
  body: readonly string[];
  buttons: readonly string[];
}

/**
 * How a button's variable (a dynamic URL's suffix) is written. Chat2Desk's article shows no button
 * line; this follows the other components' `component|type|value` shape. Unverified against the live
 * service: check it with a test send before relying on buttons.
 */
const BUTTON = 'button|text';

/** The message text Chat2Desk takes for this template. Throws on a value the markup cannot carry. */
export function renderWhatsAppTemplate(template: WhatsAppTemplateValues): string {
  const values = [
    ...(template.header?.type === 'text' ? [template.header.text] : []),
    ...template.body,
    ...template.buttons,
  ];
  for (const value of values) {
    const problem = markupValueProblem(value);
    if (problem) throw new Error(`a WhatsApp template value ${problem}`);
  }
  const lines = [HSM_MARK, `${template.name}|${template.language}`];
  if (template.header?.type === 'text') lines.push(`header|text|${template.header.text}`);
  else if (template.header) lines.push(`header|${template.header.type}`);
  if (template.body.length > 0) lines.push(['body', 'text', ...template.body].join('|'));
  for (const button of template.buttons) lines.push(`${BUTTON}|${button}`);
  return lines.join('\n');
}

/** Why a value cannot be written into the markup (or WhatsApp would refuse it), or null. */
export function markupValueProblem(value: string): string | null {
  if (value.trim() === '') return 'is empty; WhatsApp refuses an empty template parameter';
  if (value.includes('|')) return 'contains "|", which separates the values of Chat2Desk\'s @HSM@ markup';
  if (/[\r\n]/.test(value)) return 'contains a line break; WhatsApp refuses one in a template parameter';
  if (value.includes('\t')) return 'contains a tab; WhatsApp refuses one in a template parameter';
  if (/ {5}/.test(value)) return 'has more than four spaces in a row; WhatsApp refuses that in a parameter';
  return null;
}
