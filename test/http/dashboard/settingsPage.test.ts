import { describe, expect, it } from 'vitest';
import { settingsPage, timeZoneNames } from '../../../src/http/dashboard/settingsPage.js';
import { uiFor } from '../../../src/http/dashboard/ui.js';

describe('settingsPage', () => {
  it('offers both languages and every zone, the viewer’s own checked', () => {
    const ui = uiFor({ 'accept-language': 'ru', cookie: 'broadcaster_tz=Europe%2FMoscow' });
    const out = settingsPage(ui, { csrf: 'c', saved: false, browserZone: 'Asia/Tokyo' }).value;
    expect(out).toContain('<input type="radio" name="lang" value="ru" checked>');
    expect(out).toContain('<input type="radio" name="lang" value="en">');
    expect(out).toContain('<option selected>Europe/Moscow</option>');
    expect(out).toContain('<option value="">Пояс этого браузера (Asia/Tokyo)</option>');
    expect(out.match(/<option/g)!.length).toBe(timeZoneNames().length + 1);
    expect(out).not.toContain('role="status"');
  });

  it('selects the browser’s zone when none was chosen, and says when the settings were saved', () => {
    const out = settingsPage(uiFor({}), { csrf: 'c', saved: true, browserZone: null }).value;
    expect(out).toContain('<option value="" selected>This browser’s zone</option>');
    expect(out).toContain('Saved.');
  });

  it('lists UTC first and each zone once', () => {
    const zones = timeZoneNames();
    expect(zones[0]).toBe('UTC');
    expect(new Set(zones).size).toBe(zones.length);
    expect(zones).toContain('Europe/Moscow');
  });
});
