import { Negotiator } from '@fastify/accept-negotiator';
import i18next, { type TFunction } from 'i18next';
import { en } from './locales/en.js';
import { ru } from './locales/ru.js';

export const LANGUAGES = ['en', 'ru'] as const;
export type Language = (typeof LANGUAGES)[number];
export type { TFunction };

const i18n = i18next.createInstance();
void i18n.init({
  // Resources are bundled: initialised synchronously, before the first page.
  initAsync: false,
  resources: { en: { translation: en }, ru: { translation: ru } },
  supportedLngs: [...LANGUAGES],
  fallbackLng: 'en',
  // The pages escape every value themselves (html``); escaping here too would show &amp; to the reader.
  interpolation: { escapeValue: false },
  returnNull: false,
  // Keys hold no namespace: a reason such as `missing_variable:firstName` is a key of its own.
  nsSeparator: false,
});

const translators = new Map<Language, TFunction>(LANGUAGES.map((lang) => [lang, i18n.getFixedT(lang)]));

/** The console's text in `lang`: `t('list.summary', { count })` picks the language's plural form. */
export function translator(lang: Language): TFunction {
  return translators.get(lang)!;
}

export function isLanguage(value: string | null | undefined): value is Language {
  return (LANGUAGES as readonly string[]).includes(value ?? '');
}

// No cache: every distinct header would stay in it, and headers are the client's to vary.
const negotiator = new Negotiator({ supportedValues: [...LANGUAGES] });

/**
 * The language a browser asks for in Accept-Language, by its primary subtag (`ru-RU` is `ru`) and
 * q-values; English when it names none we have. Bounded: a header past 1,000 characters is not read.
 */
export function languageOfAcceptLanguage(header: string | undefined): Language {
  if (!header || header.length > 1000) return 'en';
  const primary = header.replace(/\b([a-z]{2,3})(?:-[a-z0-9]{1,8})+/gi, '$1').toLowerCase();
  const chosen = negotiator.negotiate(primary);
  return isLanguage(chosen) ? chosen : 'en';
}
