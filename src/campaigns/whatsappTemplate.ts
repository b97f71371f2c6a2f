import { TemplateError } from './errors.js';
import type { IssueCollector } from './issueCollector.js';
import { compileTemplate, type RenderFailure } from './template.js';
import {
  markupValueProblem,
  WHATSAPP_HEADER_MEDIA,
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

const FIELDS = ['name', 'language', 'header', 'body', 'buttons'] as const;
const NAME = /^[a-z0-9_]+$/;
/** Meta's codes: `ru`, `en_US`, `pt_BR`, `zh_HK`; public Chat2Desk integrations also write `es_mx`. */
const LANGUAGE = /^[a-z]{2,3}(_[A-Za-z]{2,4})?$/;
const HEADER_TYPES = ['text', ...WHATSAPP_HEADER_MEDIA] as const;

/** Reads `whatsappTemplate`; null (after reporting) when absent or unusable. */
export function readWhatsAppTemplate(
  check: IssueCollector,
  value: unknown,
  transport: string | null,
): WhatsAppTemplate | null {
  if (value === undefined) return null;
  const spec = check.object(value, 'whatsappTemplate', FIELDS);
  if (!spec) return null;
  const at = (key: (typeof FIELDS)[number]) => (spec[key] === null ? undefined : spec[key]);
  if (transport !== null && transport !== 'whatsapp') {
    check.add(
      'whatsappTemplate',
      `an approved WhatsApp template goes only with transport "whatsapp", not "${transport}"`,
    );
  }
  const before = check.issues.length + check.omitted;
  const name = readName(check, at('name'));
  const language = readLanguage(check, at('language'));
  const header = readHeader(check, at('header'));
  const body = readValues(check, 'whatsappTemplate.body', at('body'), WHATSAPP_TEMPLATE_LIMITS.bodyVariables);
  const buttons = readValues(
    check,
    'whatsappTemplate.buttons',
    at('buttons'),
    WHATSAPP_TEMPLATE_LIMITS.buttons,
  );
  if (check.issues.length + check.omitted > before || !name || !language) return null;
  return { name, language, ...(header ? { header } : {}), body, buttons };
}

function readName(check: IssueCollector, value: unknown): string | null {
  const path = 'whatsappTemplate.name';
  const name = check.text(path, value, "the approved template's name", WHATSAPP_TEMPLATE_LIMITS.nameChars);
  if (name === null) return null;
  if (!NAME.test(name)) {
    check.add(
      path,
      `"${name}" is not a template name: lowercase letters, digits and _ (as Meta approved it)`,
    );
    return null;
  }
  return name;
}

function readLanguage(check: IssueCollector, value: unknown): string | null {
  const path = 'whatsappTemplate.language';
  const language = check.text(
    path,
    value,
    'a language code such as "ru" or "en_US"',
    WHATSAPP_TEMPLATE_LIMITS.languageChars,
  );
  if (language === null) return null;
  if (!LANGUAGE.test(language)) {
    check.add(path, `"${language}" is not a template language code such as "ru", "en" or "en_US"`);
    return null;
  }
  return language;
}

function readHeader(check: IssueCollector, value: unknown): WhatsAppTemplate['header'] | null {
  if (value === undefined) return null;
  const spec = check.object(value, 'whatsappTemplate.header', ['type', 'text']);
  if (!spec) return null;
  const type = check.oneOf('whatsappTemplate.header.type', spec.type, HEADER_TYPES);
  if (type === null) return null;
  if (type !== 'text') {
    if (spec.text !== undefined) {
      check.add('whatsappTemplate.header.text', `a ${type} header has no text: its file is the attachment`);
      return null;
    }
    return { type };
  }
  const text = readValue(
    check,
    'whatsappTemplate.header.text',
    spec.text,
    WHATSAPP_TEMPLATE_LIMITS.headerChars,
  );
  return text === null ? null : { type, text };
}

function readValues(check: IssueCollector, path: string, value: unknown, max: number): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    check.expected(path, 'an array of Handlebars texts, one per variable, e.g. ["{{firstName}}"]', value);
    return [];
  }
  if (value.length > max) {
    check.add(path, `has ${value.length} variables; at most ${max}`);
    return [];
  }
  const limit = WHATSAPP_TEMPLATE_LIMITS.valueChars;
  const sources = value.map((item, i) => readValue(check, `${path}[${i}]`, item, limit));
  return sources.every((source) => source !== null) ? (sources as string[]) : [];
}

/** One variable's Handlebars source: compiled now, and when it is plain text, checked as a value. */
function readValue(check: IssueCollector, path: string, value: unknown, maxChars: number): string | null {
  if (typeof value !== 'string' || value.trim() === '') {
    check.expected(path, 'Handlebars text for the variable, e.g. "{{firstName}}"', value);
    return null;
  }
  if (value.length > WHATSAPP_TEMPLATE_LIMITS.sourceChars) {
    check.add(path, `is ${value.length} characters long; at most ${WHATSAPP_TEMPLATE_LIMITS.sourceChars}`);
    return null;
  }
  try {
    compileTemplate(value);
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    check.add(path, error.column === null ? error.reason : `column ${error.column}: ${error.reason}`);
    return null;
  }
  if (!value.includes('{{')) {
    const problem = valueProblem(value, maxChars);
    if (problem) {
      check.add(path, problem);
      return null;
    }
  }
  return value;
}

function valueProblem(value: string, maxChars: number): string | null {
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
