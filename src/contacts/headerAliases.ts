import type { ContactColumn } from './csvContactRow.js';

/**
 * The names a contacts file may give each column, as people write them in Russian and English
 * spreadsheets. One table for the CLI, the API and the console's guess, so they read a file alike.
 * Words that often mean something else in a contacts file (`source`, `client`, `mobile`, a bare
 * `номер`) are
 * left out: such a column stays a template attribute.
 */
export const CONTACT_HEADER_ALIASES: Readonly<Record<ContactColumn, readonly string[]>> = {
  phone: [
    'phone',
    'phone number',
    'telephone',
    'mobile phone',
    'телефон',
    'тел',
    'номер телефона',
    'телефон клиента',
    'мобильный',
    'мобильный телефон',
  ],
  name: ['name', 'full name', 'client name', 'имя', 'фио', 'имя клиента', 'клиент'],
  timezone: ['timezone', 'time zone', 'tz', 'часовой пояс', 'пояс', 'таймзона'],
  opted_in: ['opted in', 'opt in', 'consent', 'согласие', 'согласие на рассылку'],
  opt_in_source: ['opt in source', 'consent source', 'источник', 'источник согласия'],
};

/** How header names are compared: ` Часовой_Пояс ` and `часовой пояс` are one name; ё reads as е. */
export function headerKey(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[\s_-]+/g, ' ')
    .trim();
}

const COLUMN_BY_KEY: ReadonlyMap<string, ContactColumn> = new Map(
  Object.entries(CONTACT_HEADER_ALIASES).flatMap(([column, aliases]) =>
    aliases.map((alias) => [headerKey(alias), column as ContactColumn] as const),
  ),
);

/** The contact column a header name stands for (`Телефон` → phone), or undefined: an attribute. */
export function contactColumnOf(name: string): ContactColumn | undefined {
  return COLUMN_BY_KEY.get(headerKey(name));
}
