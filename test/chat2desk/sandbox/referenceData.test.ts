import { describe, expect, it } from 'vitest';
import {
  CLIENT_CREATION_TRANSPORTS,
  COUNTRIES,
  countryIdOfPhone,
  defaultOperators,
  QUESTIONS,
  TRANSPORT_MEDIA,
  TRANSPORTS,
} from '../../../src/chat2desk/sandbox/referenceData.js';

describe('countryIdOfPhone', () => {
  it('picks the country by its dial code', () => {
    expect(countryIdOfPhone('79310001122')).toBe(2);
    expect(countryIdOfPhone('15550001122')).toBe(1);
    expect(countryIdOfPhone('447700900123')).toBe(5);
  });

  it('prefers the longest matching dial code', () => {
    // 77… is Kazakhstan although 7 alone is Russia.
    expect(countryIdOfPhone('77011234567')).toBe(9);
    expect(countryIdOfPhone('375291234567')).toBe(7);
    expect(countryIdOfPhone('380501234567')).toBe(8);
  });

  it('answers null for no phone and for a dial code it does not know', () => {
    expect(countryIdOfPhone(null)).toBeNull();
    expect(countryIdOfPhone('999123456')).toBeNull();
    expect(countryIdOfPhone('')).toBeNull();
  });
});

describe('the reference lists', () => {
  it('describe the media of every transport, each way', () => {
    expect(Object.keys(TRANSPORT_MEDIA).sort()).toEqual([...TRANSPORTS].sort());
    expect(TRANSPORT_MEDIA['sms']).toEqual({
      from_client: { text: 'yes', image: 'no', audio: 'no', pdf: 'no', video: 'no', location: 'no' },
      to_client: { text: 'yes', image: 'no', audio: 'no', pdf: 'no', video: 'no', location: 'no' },
    });
    expect(TRANSPORT_MEDIA['whatsapp']!.to_client).toMatchObject({ image: 'yes', pdf: 'yes', audio: 'no' });
  });

  it('let clients be created only with transports the service knows', () => {
    for (const transport of CLIENT_CREATION_TRANSPORTS) expect(TRANSPORTS).toContain(transport);
  });

  it('keep ids and dial codes unique', () => {
    expect(new Set(COUNTRIES.map((c) => c.id)).size).toBe(COUNTRIES.length);
    expect(new Set(COUNTRIES.map((c) => c.dialCode)).size).toBe(COUNTRIES.length);
    expect(new Set(QUESTIONS.map((q) => q.id)).size).toBe(QUESTIONS.length);
  });
});

describe('defaultOperators', () => {
  it('gives an admin, an operator and a supervisor, last seen at the given time', () => {
    const now = new Date(Date.UTC(2026, 4, 1, 9));
    const operators = defaultOperators(now);
    expect(operators.map((o) => [o.id, o.role])).toEqual([
      [1, 'admin'],
      [2, 'operator'],
      [3, 'supervisor'],
    ]);
    expect(operators.every((o) => o.lastVisit.getTime() === now.getTime())).toBe(true);
  });

  it('gives fresh records on each call, so one sandbox cannot change another', () => {
    const first = defaultOperators(new Date(0));
    first[0]!.online = false;
    expect(defaultOperators(new Date(0))[0]!.online).toBe(true);
  });
});
