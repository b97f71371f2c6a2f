import {
  valueProblem,
  WHATSAPP_TEMPLATE_LIMITS,
  type WhatsAppTemplate,
} from '../messages/whatsappTemplate.js';
import { WHATSAPP_HEADER_MEDIA } from '../messages/whatsappTemplateMarkup.js';
import { compileTemplate } from '../templating/template.js';
import { TemplateError } from './errors.js';
import type { IssueCollector } from './issueCollector.js';

/** Reading a campaign's `whatsappTemplate` field (the template and its rendering: src/messages/whatsappTemplate.ts). */
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
