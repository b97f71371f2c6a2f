import { describe, expect, it } from 'vitest';
import { normalisePhone } from '../../src/contacts/phone.js';

describe('normalisePhone', () => {
  it.each([
    ['+7 (999) 000-11-22', '79990001122'],
    ['79990001122', '79990001122'],
    ['8 999 000 11 22', '79990001122'],
    ['0049 30 1234567', '49301234567'],
    ['+1 415.555.0100', '14155550100'],
    ['  +44 20 7946 0958 ', '442079460958'],
  ])('reads %j as %s', (raw, digits) => {
    expect(normalisePhone(raw)).toEqual({ ok: true, digits });
  });

  it.each([
    ['', 'empty'],
    [null, 'empty'],
    ['+7 999 OOO 11 22', 'invalid_characters'],
    ['phone: 79990001122', 'invalid_characters'],
    ['12345', 'too_short'],
    ['+1234567890123456', 'too_long'],
    ['030 1234567', 'missing_country_code'],
  ])('refuses %j as %s', (raw, problem) => {
    expect(normalisePhone(raw)).toMatchObject({ ok: false, problem });
  });
});
