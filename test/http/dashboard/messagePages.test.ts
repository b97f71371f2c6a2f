import { describe, expect, it } from 'vitest';
import { loginPage, messagePage } from '../../../src/http/dashboard/messagePages.js';
import { uiFor } from '../../../src/http/dashboard/ui.js';

/** The console as a browser asking for nothing gets it: English, times in UTC. */
const EN = uiFor({});

describe('loginPage', () => {
  it('posts the token to /login, carrying where to go next', () => {
    const page = loginPage(EN, { next: '/campaigns/7', failed: false }).value;
    expect(page).toContain('<form method="post" action="/login">');
    expect(page).toContain('<input type="hidden" name="next" value="/campaigns/7">');
    expect(page).toContain('name="token" type="password"');
    expect(page).not.toContain('role="alert"');
  });

  it('says the token was wrong after a failed attempt', () => {
    const page = loginPage(EN, { next: '/', failed: true }).value;
    expect(page).toContain('<div class="error" role="alert">That is not a token of this engine.</div>');
  });

  it('escapes the next path, so it cannot break out of its attribute', () => {
    const page = loginPage(EN, { next: '/"><script>x</script>', failed: false }).value;
    expect(page).not.toContain('<script>');
    expect(page).toContain('value="/&quot;&gt;&lt;script&gt;x&lt;/script&gt;"');
  });
});

describe('messagePage', () => {
  it('shows the title and the message, with a link back when given one', () => {
    const page = messagePage('Not found', 'campaign 9 does not exist', {
      href: '/',
      label: 'All campaigns',
    }).value;
    expect(page).toContain('<h1>Not found</h1>');
    expect(page).toContain('<div class="error" role="alert">campaign 9 does not exist</div>');
    expect(page).toContain('<a href="/">All campaigns</a>');
  });

  it('has no link without one', () => {
    expect(messagePage('Error', 'broken').value).not.toContain('<a ');
  });

  it('escapes a message that quotes what a user wrote', () => {
    const page = messagePage('Error', 'no list named "<b>vip</b>"').value;
    expect(page).toContain('no list named &quot;&lt;b&gt;vip&lt;/b&gt;&quot;');
  });
});
