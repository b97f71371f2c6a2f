import { describe, expect, it } from 'vitest';
import { DELIVERY_STATES } from '../../../src/delivery/states.js';
import { html } from '../../../src/http/dashboard/html.js';
import { page, STATE_COLOURS, stateBar, statusBadge } from '../../../src/http/dashboard/layout.js';
import { uiFor } from '../../../src/http/dashboard/ui.js';

/** The console as a browser asking for nothing gets it: English, times in UTC. */
const EN = uiFor({});

describe('page', () => {
  it('wraps the body in a whole document titled after the page', () => {
    const out = page({ ui: EN, title: 'Campaigns', body: html`<p id="body">hello</p>` });
    expect(out.startsWith('<!doctype html>')).toBe(true);
    expect(out).toContain('<title>Campaigns · Broadcaster</title>');
    expect(out).toContain('<main class="inner">\n<p id="body">hello</p>\n</main>');
  });

  it('escapes the title', () => {
    expect(page({ ui: EN, title: '<i>x</i>', body: html`` })).toContain(
      '<title>&lt;i&gt;x&lt;/i&gt; · Broadcaster</title>',
    );
  });

  it('shows a logout form with its CSRF token only to someone logged in', () => {
    const anonymous = page({ ui: EN, title: 't', body: html`` });
    const loggedIn = page({ ui: EN, title: 't', body: html``, logoutCsrf: 'tok"en' });
    expect(anonymous).not.toContain('action="/logout"');
    expect(loggedIn).toContain('<form method="post" action="/logout">');
    expect(loggedIn).toContain('name="csrf" value="tok&quot;en"');
  });

  it('reloads itself only when asked to', () => {
    expect(page({ ui: EN, title: 't', body: html`` })).not.toContain('http-equiv="refresh"');
    expect(page({ ui: EN, title: 't', body: html``, refreshSeconds: 30 })).toContain(
      '<meta http-equiv="refresh" content="30">',
    );
  });

  it('carries the console’s own script file and no inline script', () => {
    const out = page({ ui: EN, title: 't', body: html``, logoutCsrf: 'x', refreshSeconds: 5 });
    expect(out.match(/<script/g)).toHaveLength(1);
    expect(out).toContain('<script src="/assets/console.js" defer></script>');
  });

  it('speaks the viewer’s language, says whose zone its times are in, and links to the other language', () => {
    const ru = uiFor({
      'accept-language': 'ru-RU,ru;q=0.9,en;q=0.5',
      cookie: 'broadcaster_tz=Europe%2FMoscow',
    });
    const out = page({ ui: ru, title: 't', body: html``, path: '/campaigns/7?run=2', logoutCsrf: 'x' });
    expect(out).toContain('<html lang="ru" data-zone-source="chosen">');
    expect(out).toContain('<span data-zone-label>Europe/Moscow</span>');
    expect(out).toContain('>Выйти</button>');
    expect(out).toContain(
      `href="/settings/language?to=en&amp;next=${encodeURIComponent('/campaigns/7?run=2')}">English</a>`,
    );
    expect(out).toContain('<strong lang="ru">Русский</strong>');
    expect(page({ ui: EN, title: 't', body: html`` })).toContain(
      '<html lang="en" data-zone-source="default">',
    );
  });
});

describe('stateBar', () => {
  it('draws one segment per state present, sized by its share', () => {
    const bar = stateBar(EN, { queued: 0, sent: 3, failed: 1 }, 4).value;
    expect(bar).toContain('<div class="bar" role="img" aria-label="sent 3, failed 1">');
    expect(bar).toContain(`width:75.000%;background:${STATE_COLOURS.sent}" title="sent: 3"`);
    expect(bar).toContain(`width:25.000%;background:${STATE_COLOURS.failed}" title="failed: 1"`);
    expect(bar).not.toContain('queued');
  });

  it('is an empty bar when there is nothing to count', () => {
    expect(stateBar(EN, {}, 0).value).toBe('<div class="bar" role="img" aria-label=""></div>');
  });

  it('draws an unknown state in grey, and the big variant on request', () => {
    const bar = stateBar(EN, { mystery: 1 }, 1, true).value;
    expect(bar).toContain('class="bar big"');
    expect(bar).toContain('background:#94a3b8');
  });

  it('has a colour for every delivery state', () => {
    for (const state of DELIVERY_STATES) expect(STATE_COLOURS[state]).toMatch(/^#[0-9a-f]{6}$/);
  });
});

describe('statusBadge', () => {
  it('names the status in its text, its class and its data attribute', () => {
    expect(statusBadge(EN, 'paused').value).toBe(
      '<span class="badge paused" data-status="paused">paused</span>',
    );
  });

  it('names it in the viewer’s language, keeping the status itself in its class and data attribute', () => {
    expect(statusBadge(uiFor({ 'accept-language': 'ru' }), 'paused').value).toBe(
      '<span class="badge paused" data-status="paused">на паузе</span>',
    );
  });
});
