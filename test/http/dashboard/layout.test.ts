import { describe, expect, it } from 'vitest';
import { DELIVERY_STATES } from '../../../src/delivery/states.js';
import { html } from '../../../src/http/dashboard/html.js';
import { formatUtc, page, STATE_COLOURS, stateBar, statusBadge } from '../../../src/http/dashboard/layout.js';

describe('page', () => {
  it('wraps the body in a whole document titled after the page', () => {
    const out = page({ title: 'Campaigns', body: html`<p id="body">hello</p>` });
    expect(out.startsWith('<!doctype html>')).toBe(true);
    expect(out).toContain('<title>Campaigns · Broadcaster</title>');
    expect(out).toContain('<main class="inner">\n<p id="body">hello</p>\n</main>');
  });

  it('escapes the title', () => {
    expect(page({ title: '<i>x</i>', body: html`` })).toContain(
      '<title>&lt;i&gt;x&lt;/i&gt; · Broadcaster</title>',
    );
  });

  it('shows a logout form with its CSRF token only to someone logged in', () => {
    const anonymous = page({ title: 't', body: html`` });
    const loggedIn = page({ title: 't', body: html``, logoutCsrf: 'tok"en' });
    expect(anonymous).not.toContain('action="/logout"');
    expect(loggedIn).toContain('<form method="post" action="/logout">');
    expect(loggedIn).toContain('name="csrf" value="tok&quot;en"');
  });

  it('reloads itself only when asked to', () => {
    expect(page({ title: 't', body: html`` })).not.toContain('http-equiv="refresh"');
    expect(page({ title: 't', body: html``, refreshSeconds: 30 })).toContain(
      '<meta http-equiv="refresh" content="30">',
    );
  });

  it('carries no script', () => {
    expect(page({ title: 't', body: html``, logoutCsrf: 'x', refreshSeconds: 5 })).not.toMatch(/<script/i);
  });
});

describe('stateBar', () => {
  it('draws one segment per state present, sized by its share', () => {
    const bar = stateBar({ queued: 0, sent: 3, failed: 1 }, 4).value;
    expect(bar).toContain('<div class="bar" role="img" aria-label="sent 3, failed 1">');
    expect(bar).toContain(`width:75.000%;background:${STATE_COLOURS.sent}" title="sent: 3"`);
    expect(bar).toContain(`width:25.000%;background:${STATE_COLOURS.failed}" title="failed: 1"`);
    expect(bar).not.toContain('queued');
  });

  it('is an empty bar when there is nothing to count', () => {
    expect(stateBar({}, 0).value).toBe('<div class="bar" role="img" aria-label=""></div>');
  });

  it('draws an unknown state in grey, and the big variant on request', () => {
    const bar = stateBar({ mystery: 1 }, 1, true).value;
    expect(bar).toContain('class="bar big"');
    expect(bar).toContain('background:#94a3b8');
  });

  it('has a colour for every delivery state', () => {
    for (const state of DELIVERY_STATES) expect(STATE_COLOURS[state]).toMatch(/^#[0-9a-f]{6}$/);
  });
});

describe('statusBadge', () => {
  it('names the status in its text, its class and its data attribute', () => {
    expect(statusBadge('paused').value).toBe('<span class="badge paused" data-status="paused">paused</span>');
  });
});

describe('formatUtc', () => {
  it('writes a time to the minute, in UTC, from a string or a Date', () => {
    expect(formatUtc('2026-11-27T07:09:59.999Z')).toBe('2026-11-27 07:09 UTC');
    expect(formatUtc(new Date('2026-11-27T10:09:00+03:00'))).toBe('2026-11-27 07:09 UTC');
  });

  it('writes a missing time as a dash', () => {
    expect(formatUtc(null)).toBe('—');
  });
});
