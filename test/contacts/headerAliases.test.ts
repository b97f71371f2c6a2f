import { describe, expect, it } from 'vitest';
import { CONTACT_HEADER_ALIASES, contactColumnOf, headerKey } from '../../src/contacts/headerAliases.js';

describe('contactColumnOf', () => {
  it.each([
    ['Телефон', 'phone'],
    ['  ТЕЛЕФОН клиента ', 'phone'],
    ['Phone number', 'phone'],
    ['phone_number', 'phone'],
    ['Имя', 'name'],
    ['Часовой  пояс', 'timezone'],
    ['Time zone', 'timezone'],
    ['Согласие', 'opted_in'],
    ['Opted-In', 'opted_in'],
    ['Источник согласия', 'opt_in_source'],
    ['opt_in_source', 'opt_in_source'],
  ])('reads %j as %s', (name, column) => {
    expect(contactColumnOf(name)).toBe(column);
  });

  it('leaves other names, and words that often mean something else, as attributes', () => {
    for (const name of ['Город', 'discount', 'source', 'client', 'номер', 'mobile'])
      expect(contactColumnOf(name)).toBeUndefined();
  });

  it('names each column by itself, and gives no alias to two columns', () => {
    const seen = new Map<string, string>();
    for (const [column, aliases] of Object.entries(CONTACT_HEADER_ALIASES)) {
      expect(contactColumnOf(column)).toBe(column);
      for (const alias of aliases) {
        expect(seen.get(headerKey(alias)), alias).toBeUndefined();
        seen.set(headerKey(alias), column);
      }
    }
  });

  it('compares names trimmed, case-blind, with ё as е and _ or - as a space', () => {
    expect(headerKey(' Ёлка_Time-Zone ')).toBe('елка time zone');
  });
});
