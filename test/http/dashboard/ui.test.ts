import { describe, expect, it } from 'vitest';
import {
  canonicalZone,
  cookieText,
  preferenceCookie,
  uiFor,
  wallClockText,
} from '../../../src/http/dashboard/ui.js';

const AT = '2026-11-27T07:09:59.999Z';

describe('uiFor', () => {
  it('speaks the language of the cookie, else of Accept-Language, else English', () => {
    expect(uiFor({}).lang).toBe('en');
    expect(uiFor({ 'accept-language': 'ru-RU,ru;q=0.9' }).lang).toBe('ru');
    expect(uiFor({ 'accept-language': 'ru', cookie: 'broadcaster_lang=en' }).lang).toBe('en');
    expect(uiFor({ 'accept-language': 'ru', cookie: 'broadcaster_lang=klingon' }).lang).toBe('ru');
  });

  it('shows times in the chosen zone, else the browser’s, else UTC, ignoring zones Intl does not know', () => {
    const chosen = uiFor({ cookie: 'broadcaster_tz=Asia%2FTokyo; broadcaster_browser_tz=Europe%2FMoscow' });
    expect([chosen.zone, chosen.zoneSource]).toEqual(['Asia/Tokyo', 'chosen']);
    const browser = uiFor({
      cookie: 'broadcaster_tz=Mars%2FOlympus; broadcaster_browser_tz=Europe%2FMoscow',
    });
    expect([browser.zone, browser.zoneSource]).toEqual(['Europe/Moscow', 'browser']);
    const none = uiFor({ cookie: 'broadcaster_browser_tz=%E0%A4%A' });
    expect([none.zone, none.zoneSource]).toEqual(['UTC', 'default']);
  });

  it('writes a time in the viewer’s zone and language, with UTC on hover and the instant in datetime', () => {
    const ru = uiFor({ 'accept-language': 'ru', cookie: 'broadcaster_tz=Europe%2FMoscow' });
    expect(ru.time(AT).value).toBe(
      '<time datetime="2026-11-27T07:09:59.999Z" title="2026-11-27 07:09 UTC">27.11.2026 10:09</time>',
    );
    expect(uiFor({}).time(new Date(AT)).value).toBe(
      '<time datetime="2026-11-27T07:09:59.999Z" title="2026-11-27 07:09 UTC">2026-11-27 07:09</time>',
    );
    expect(uiFor({}).time(null).value).toBe('—');
    expect(ru.timeText(AT, { date: false })).toBe('10:09');
  });

  it('groups digits as the language does', () => {
    expect(uiFor({}).number(1_234_567)).toBe('1,234,567');
    expect(uiFor({ 'accept-language': 'ru' }).number(1_234_567)).toMatch(/^1\s234\s567$/);
  });
});

describe('canonicalZone', () => {
  it('spells a zone as Intl does and refuses what is not one', () => {
    expect(canonicalZone('europe/moscow')).toBe('Europe/Moscow');
    expect(canonicalZone('UTC')).toBe('UTC');
    for (const bad of ['+03:00', 'Mars/Olympus', '', undefined, `Europe/${'x'.repeat(80)}`]) {
      expect(canonicalZone(bad), String(bad)).toBeNull();
    }
  });
});

describe('wallClockText', () => {
  it('crosses a date line in the zone, not in UTC', () => {
    expect(wallClockText(Date.parse('2026-11-27T20:30:00Z'), 'Asia/Vladivostok', 'en')).toBe(
      '2026-11-28 06:30',
    );
  });
});

describe('preference cookies', () => {
  it('last a year, are sent on same-site navigations, and are cleared with null', () => {
    expect(preferenceCookie('broadcaster_tz', 'Europe/Moscow', { secure: false })).toBe(
      'broadcaster_tz=Europe%2FMoscow; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000',
    );
    expect(preferenceCookie('broadcaster_tz', null, { secure: true })).toBe(
      'broadcaster_tz=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure',
    );
    expect(cookieText('a=1; broadcaster_tz=Europe%2FMoscow', 'broadcaster_tz')).toBe('Europe/Moscow');
  });
});
