import { describe, expect, it } from 'vitest';
import { readTimeZone } from '../../src/time/zoneNames.js';

describe('readTimeZone', () => {
  it.each([
    ['Europe/Moscow', 'Europe/Moscow'],
    ['europe/moscow', 'Europe/Moscow'],
    ['  Asia/Almaty ', 'Asia/Almaty'],
    ['UTC', 'UTC'],
    ['MSK', 'Europe/Moscow'],
    ['мск', 'Europe/Moscow'],
    ['МСК+2', 'Asia/Yekaterinburg'],
    ['MSK-1', 'Europe/Kaliningrad'],
    ['msk + 7', 'Asia/Vladivostok'],
    ['YEKT', 'Asia/Yekaterinburg'],
    ['Москва', 'Europe/Moscow'],
    ['Новосибирск', 'Asia/Novosibirsk'],
    ['Moscow', 'Europe/Moscow'],
    ['new york', 'America/New_York'],
    ['UTC+3', 'Etc/GMT-3'],
    ['GMT-5', 'Etc/GMT+5'],
    ['+03:00', 'Etc/GMT-3'],
    ['UTC+0', 'UTC'],
  ])('reads %j as %s', (text, zone) => {
    expect(readTimeZone(text)).toEqual({ ok: true, zone });
  });

  it.each([
    ['Mars/Olympus', /not a time zone/],
    ['MSK+12', /no Russian time zone is MSK\+12/],
    ['UTC+5:30', /not a whole-hour UTC offset/],
    ['CST?', /not a time zone/],
    ['', /not a time zone/],
  ])('refuses %j, saying why', (text, reason) => {
    const reading = readTimeZone(text);
    expect(reading.ok).toBe(false);
    if (!reading.ok) expect(reading.reason).toMatch(reason);
  });

  it('gives only zones the platform knows', () => {
    for (const text of ['MSK', 'МСК+9', 'UTC-12', 'UTC+14', 'Алматы']) {
      const reading = readTimeZone(text);
      expect(reading.ok).toBe(true);
      if (reading.ok) expect(() => new Intl.DateTimeFormat('en', { timeZone: reading.zone })).not.toThrow();
    }
  });
});
