import { html, type SafeHtml } from './html.js';
import type { Ui } from './ui.js';

export function loginPage(ui: Ui, options: { next: string; failed: boolean }): SafeHtml {
  const { t } = ui;
  return html`<div class="login"><section class="panel">
<h1>${t('login.title')}</h1>
<p class="sub">${t('login.intro')}</p>
${options.failed ? html`<div class="error" role="alert">${t('login.failed')}</div>` : ''}
<form method="post" action="/login">
<input type="hidden" name="next" value="${options.next}">
<label for="token">${t('login.token')}</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit" class="primary">${t('login.submit')}</button>
</form>
</section></div>`;
}

export function messagePage(
  title: string,
  message: string,
  back?: { href: string; label: string },
): SafeHtml {
  return html`<h1>${title}</h1>
<div class="error" role="alert">${message}</div>
${back ? html`<p><a href="${back.href}">${back.label}</a></p>` : ''}`;
}
