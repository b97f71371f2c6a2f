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

/** The same for an appointments file; its phone, name and zone are named as a contact's are. */
export const APPOINTMENT_HEADER_ALIASES = {
  external_id: ['external id', 'appointment id', 'номер записи', 'id записи', 'код записи'],
  phone: CONTACT_HEADER_ALIASES.phone,
  starts_at: ['starts at', 'start', 'start time', 'начало', 'время записи', 'дата и время'],
  status: ['status', 'статус', 'статус записи'],
  timezone: CONTACT_HEADER_ALIASES.timezone,
  name: CONTACT_HEADER_ALIASES.name,
} as const satisfies Record<string, readonly string[]>;

/** A lookup of a header name in an alias table: the column it stands for, or undefined. */
function columnLookup<K extends string>(
  table: Readonly<Record<K, readonly string[]>>,
): (name: string) => K | undefined {
  const byKey = new Map<string, K>();
  for (const [column, aliases] of Object.entries(table) as Array<[K, readonly string[]]>)
    for (const alias of [column, ...aliases]) byKey.set(headerKey(alias), column);
  return (name) => byKey.get(headerKey(name));
}

/** The contact column a header name stands for (`Телефон` → phone), or undefined: an attribute. */
export const contactColumnOf: (name: string) => ContactColumn | undefined =
  columnLookup(CONTACT_HEADER_ALIASES);

/** The appointment column a header name stands for (`Начало` → starts_at), or undefined: an attribute. */
export const appointmentColumnOf = columnLookup(APPOINTMENT_HEADER_ALIASES);
