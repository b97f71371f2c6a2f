import type { SandboxOperator, SandboxQuestion } from './models.js';

/** Fixed reference lists served by /v1/help/*, /v1/regions, /v1/countries (shapes from manual v1.08). */

export const ROLES = ['unconfirmed', 'operator', 'supervisor', 'admin', 'disabled', 'deleted'];
export const DIALOG_STATES = ['open', 'closed'];

export const API_MODE_DESCRIPTIONS = [
  { name: 'disabled', description: 'API disabled' },
  { name: 'demo', description: '1000 requests per month' },
  { name: 'normal', description: '50000 requests per month' },
  { name: 'unlimited', description: 'unlimited requests per month' },
];

/** Every transport the service knows; POST /v1/messages accepts these names. */
export const TRANSPORTS = ['whatsapp', 'viber', 'vkontakte', 'facebook', 'telegram', 'sms', 'external'];
/** POST /v1/clients may add only these (manual). */
export const CLIENT_CREATION_TRANSPORTS = ['whatsapp', 'viber', 'sms'];

type Support = 'yes' | 'no';
interface MediaSupport {
  text: Support;
  image: Support;
  audio: Support;
  pdf: Support;
  video: Support;
  location: Support;
}

function media(flags: string): MediaSupport {
  const at = (i: number): Support => (flags[i] === '1' ? 'yes' : 'no');
  return { text: at(0), image: at(1), audio: at(2), pdf: at(3), video: at(4), location: at(5) };
}

/** Per transport, which kinds of content go each way; flags are text,image,audio,pdf,video,location. */
export const TRANSPORT_MEDIA: Record<string, { from_client: MediaSupport; to_client: MediaSupport }> = {
  whatsapp: { from_client: media('111001'), to_client: media('110100') },
  viber: { from_client: media('110001'), to_client: media('110000') },
  vkontakte: { from_client: media('111111'), to_client: media('110100') },
  facebook: { from_client: media('111111'), to_client: media('110100') },
  telegram: { from_client: media('111111'), to_client: media('111110') },
  sms: { from_client: media('100000'), to_client: media('100000') },
  external: { from_client: media('110011'), to_client: media('110000') },
};

export const COUNTRIES: ReadonlyArray<{ id: number; name: string; dialCode: string }> = [
  { id: 1, name: 'USA, Canada', dialCode: '1' },
  { id: 2, name: 'Russia', dialCode: '7' },
  { id: 3, name: 'Egypt', dialCode: '20' },
  { id: 4, name: 'South Africa', dialCode: '27' },
  { id: 5, name: 'United Kingdom', dialCode: '44' },
  { id: 6, name: 'Germany', dialCode: '49' },
  { id: 7, name: 'Belarus', dialCode: '375' },
  { id: 8, name: 'Ukraine', dialCode: '380' },
  { id: 9, name: 'Kazakhstan', dialCode: '77' },
];

export const REGIONS = [
  { id: 1, country: 'Россия', region: 'Краснодар' },
  { id: 2, country: 'Россия', region: 'Тверь' },
  { id: 3, country: 'Россия', region: 'Челябинск' },
  { id: 4, country: 'Россия', region: 'Москва' },
  { id: 5, country: 'Россия', region: 'Санкт-Петербург' },
];

/** The country of a phone number by its longest matching dial code, as the service does on client creation. */
export function countryIdOfPhone(phone: string | null): number | null {
  if (phone === null) return null;
  let best: { id: number; length: number } | null = null;
  for (const country of COUNTRIES) {
    if (phone.startsWith(country.dialCode) && (best === null || country.dialCode.length > best.length)) {
      best = { id: country.id, length: country.dialCode.length };
    }
  }
  return best?.id ?? null;
}

export function defaultOperators(now: Date): SandboxOperator[] {
  return [
    {
      id: 1,
      email: 'admin@sandbox.example',
      phone: null,
      role: 'admin',
      online: true,
      offlineType: null,
      firstName: 'Sandbox',
      lastName: 'Admin',
      lastVisit: now,
    },
    {
      id: 2,
      email: 'operator@sandbox.example',
      phone: '15550001122',
      role: 'operator',
      online: false,
      offlineType: 'manual',
      firstName: 'John',
      lastName: 'Smith',
      lastVisit: now,
    },
    {
      id: 3,
      email: 'supervisor@sandbox.example',
      phone: '79000000003',
      role: 'supervisor',
      online: true,
      offlineType: null,
      firstName: 'Anna',
      lastName: 'Petrova',
      lastVisit: now,
    },
  ];
}

/** Script menu items (questions) that GET /v1/questions/<id>/send can send. */
export const QUESTIONS: readonly SandboxQuestion[] = [
  { id: 4321, text: 'Menu: 1 — book an appointment, 2 — prices, 3 — talk to an operator', image: null },
  { id: 4322, text: 'Our prices: https://example.com/prices', image: null },
  { id: 4323, text: 'An operator will answer you shortly', image: null },
];
