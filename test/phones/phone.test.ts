import { describe, expect, it } from 'vitest';
import { isValidE164Digits, normalisePhone, phoneRegion } from '../../src/phones/phone.js';

const RU = { region: 'RU' } as const;

describe('normalisePhone', () => {
  it.each([
    // A Moscow mobile in every way people write it, in a Russian file.
    ['9161234567', '79161234567'],
    ['8 (916) 123-45-67', '79161234567'],
    ['+7 916 123 45 67', '79161234567'],
    ['916-123-45-67', '79161234567'],
    ['79161234567', '79161234567'],
    ['7 916 123 45 67', '79161234567'],
    ['+7 916 123–45–67', '79161234567'],
    ['8\u00a0916\u00a0123\u201345\u201467', '79161234567'],
    ['\u200e+7 916 1234567\ufeff', '79161234567'],
    ['8-800-555-35-35', '78005553535'],
    ['4951234567', '74951234567'],
    // Kazakhstan shares +7.
    ['7011234567', '77011234567'],
    // Foreign numbers with their country code, with or without + or 00.
    ['+7 (999) 000-11-22', '79990001122'],
    ['0049 30 1234567', '49301234567'],
    ['4915112345678', '4915112345678'],
    ['380501234567', '380501234567'],
    ['+1 415.555.0100', '14155550100'],
    ['  +44 20 7946 0958 ', '442079460958'],
  ])('reads %j in Russia as %s', (raw, digits) => {
    expect(normalisePhone(raw, RU)).toMatchObject({ ok: true, digits });
  });

  it.each([
    ['', 'empty'],
    [null, 'empty'],
    ['+7 999 OOO 11 22', 'invalid_characters'],
    ['phone: 79990001122', 'invalid_characters'],
    ['7.91612E+10', 'invalid_characters'],
    ['12345', 'too_short'],
    ['+1234567890123456', 'too_long'],
    ['7916123456', 'too_short'],
    ['791612345678', 'invalid_number'],
    ['89999999999999', 'invalid_number'],
    ['70000000000', 'invalid_number'],
    ['+7 000 000 00 00', 'invalid_number'],
    ['+999 123 456 789', 'invalid_country_code'],
  ])('refuses %j as %s, saying why', (raw, problem) => {
    const phone = normalisePhone(raw, RU);
    expect(phone).toMatchObject({ ok: false, problem });
    if (!phone.ok) expect(phone.message.length).toBeGreaterThan(10);
  });

  it('never reads a national number as a foreign one: 9734512951 is Russian, not Bahraini', () => {
    expect(normalisePhone('9734512951', RU)).toMatchObject({ ok: true, digits: '79734512951' });
  });

  it('takes the region reading when both readings are numbers, and says so', () => {
    const phone = normalisePhone('4951234567', RU);
    expect(phone).toMatchObject({ ok: true, digits: '74951234567' });
    expect(phone.ok && phone.note).toMatch(/\+4951234567.*write it with \+/);
  });

  it('reads a number Chat2Desk gives with its country code first', () => {
    expect(normalisePhone('4951234567', { region: 'RU', international: true })).toEqual({
      ok: true,
      digits: '4951234567',
      note: expect.stringContaining('+74951234567'),
    });
    expect(normalisePhone('79161234567', { region: 'RU', international: true })).toEqual({
      ok: true,
      digits: '79161234567',
    });
  });

  it('reads national numbers in the configured region', () => {
    expect(normalisePhone('030 1234567', { region: 'DE' })).toMatchObject({
      ok: true,
      digits: '49301234567',
    });
    expect(normalisePhone('701 123 4567', { region: 'KZ' })).toMatchObject({
      ok: true,
      digits: '77011234567',
    });
  });
});

describe('phoneRegion', () => {
  it('accepts the country codes libphonenumber-js has plans for, in any case', () => {
    expect(phoneRegion('ru')).toBe('RU');
    expect(phoneRegion(' KZ ')).toBe('KZ');
    expect(phoneRegion('XX')).toBeNull();
    expect(phoneRegion('Russia')).toBeNull();
  });
});

describe('isValidE164Digits', () => {
  it('tells stored numbers in use from the rest', () => {
    expect(isValidE164Digits('79161234567')).toBe(true);
    expect(isValidE164Digits('9161234567')).toBe(false);
    expect(isValidE164Digits('70000000000')).toBe(false);
    expect(isValidE164Digits('+79161234567')).toBe(false);
  });
});
