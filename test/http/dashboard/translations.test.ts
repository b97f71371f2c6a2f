import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { en } from '../../../src/http/dashboard/locales/en.js';
import { ru } from '../../../src/http/dashboard/locales/ru.js';
import { languageOfAcceptLanguage, translator } from '../../../src/http/dashboard/translations.js';

const PLURAL = /_(zero|one|two|few|many|other)$/;

/** Every key of a resource, plural forms folded into their base key. */
function keysOf(resource: object, prefix = ''): Set<string> {
  const keys = new Set<string>();
  for (const [key, value] of Object.entries(resource)) {
    const path = `${prefix}${key.replace(PLURAL, '')}`;
    if (typeof value === 'object' && value !== null) for (const k of keysOf(value, `${path}.`)) keys.add(k);
    else keys.add(path);
  }
  return keys;
}

/** The plural forms each plural key has, by base key. */
function pluralForms(resource: object, prefix = ''): Map<string, string[]> {
  const forms = new Map<string, string[]>();
  for (const [key, value] of Object.entries(resource)) {
    if (typeof value === 'object' && value !== null) {
      for (const [k, v] of pluralForms(value, `${prefix}${key}.`)) forms.set(k, v);
    } else if (PLURAL.test(key)) {
      const base = `${prefix}${key.replace(PLURAL, '')}`;
      forms.set(base, [...(forms.get(base) ?? []), PLURAL.exec(key)![1]!]);
    }
  }
  return forms;
}

describe('the console’s translations', () => {
  it('have the same keys in English and Russian', () => {
    expect([...keysOf(ru)].sort()).toEqual([...keysOf(en)].sort());
  });

  it('give every Russian plural its one, few, many and other forms, and every English one its one and other', () => {
    for (const [key, forms] of pluralForms(ru))
      expect(forms.sort(), key).toEqual(['few', 'many', 'one', 'other']);
    for (const [key, forms] of pluralForms(en)) expect(forms.sort(), key).toEqual(['one', 'other']);
  });

  it('have every key the console’s pages ask for by name', () => {
    const dir = join(import.meta.dirname, '..', '..', '..', 'src', 'http', 'dashboard');
    const known = keysOf(en);
    const asked = new Set<string>();
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts'))) {
      const text = readFileSync(join(dir, file), 'utf8');
      for (const match of text.matchAll(/\bt\(\s*'([a-zA-Z][\w.]*)'/g)) asked.add(match[1]!);
    }
    expect(asked.size).toBeGreaterThan(100);
    expect([...asked].filter((key) => !known.has(key))).toEqual([]);
  });

  it('pick Russian’s plural form by the number, and write the number as a Russian reader does', () => {
    const t = translator('ru');
    expect(t('list.summary', { count: 1 })).toMatch(/^1 кампания;/);
    expect(t('list.summary', { count: 3 })).toMatch(/^3 кампании;/);
    expect(t('list.summary', { count: 11 })).toMatch(/^11 кампаний;/);
    expect(t('list.summary', { count: 21 })).toMatch(/^21 кампания;/);
    expect(t('list.summary', { count: 1_000_000 })).toMatch(/^1\s000\s000 кампаний;/);
    expect(translator('en')('list.summary', { count: 1_000_000 })).toMatch(/^1,000,000 campaigns;/);
  });

  it('leave values as they are for the pages to escape, and read a reason with a colon as one key', () => {
    expect(translator('en')('campaign.transport', { transport: '<b>x</b>' })).toBe('transport <b>x</b>');
    expect(translator('en')('reason.missing_variable:firstName', { defaultValue: '' })).toBe('');
    expect(translator('ru')('reason.too_late')).toBe('запись уже началась, когда сообщение могло уйти');
  });
});

describe('languageOfAcceptLanguage', () => {
  it.each([
    ['ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7', 'ru'],
    ['ru-RU', 'ru'],
    ['en-GB,en;q=0.9', 'en'],
    ['de-DE,de;q=0.9,ru;q=0.5', 'ru'],
    ['en;q=0.1, ru;q=0.5', 'ru'],
    ['ru;q=0, en', 'en'],
    ['de-DE', 'en'],
    ['*', 'en'],
    ['', 'en'],
    [undefined, 'en'],
    [`ru,${'x-'.repeat(600)}`, 'en'],
  ])('reads %j as %s', (header, lang) => {
    expect(languageOfAcceptLanguage(header)).toBe(lang);
  });
});
