import { html, type SafeHtml } from './html.js';

export function loginPage(options: { next: string; failed: boolean }): SafeHtml {
  return html`<div class="login"><section class="panel">
<h1>Log in</h1>
<p class="sub">Enter the engine's API token (API_TOKEN).</p>
${options.failed ? html`<div class="error" role="alert">That is not the API token.</div>` : ''}
<form method="post" action="/login">
<input type="hidden" name="next" value="${options.next}">
<label for="token">API token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit" class="primary">Log in</button>
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
