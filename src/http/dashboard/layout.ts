import { html, SafeHtml } from './html.js';
import { LANGUAGES } from './translations.js';
import type { Ui } from './ui.js';

/** One colour per delivery state, used by every bar, swatch and chart. */
export const STATE_COLOURS: Readonly<Record<string, string>> = {
  queued: '#cbd5e1',
  waiting: '#f59e0b',
  sending: '#38bdf8',
  sent: '#2563eb',
  delivered: '#14b8a6',
  read: '#047857',
  failed: '#dc2626',
  skipped: '#a78bfa',
};

const STYLE = `
:root { color-scheme: light; --ink: #0f172a; --muted: #64748b; --line: #e2e8f0; --panel: #fff; --bg: #f8fafc; --accent: #2563eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: var(--bg); }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
header.top { background: #0f172a; color: #fff; }
header.top .inner { display: flex; align-items: center; justify-content: space-between; flex-wrap: wrap; gap: 6px 24px; min-height: 52px; padding-top: 6px; padding-bottom: 6px; white-space: nowrap; }
header.top a.brand { color: #fff; font-weight: 600; letter-spacing: .01em; margin-right: 12px; }
header.top nav { display: flex; gap: 16px; align-items: center; font-size: 14px; }
header.top nav a:not(.brand) { color: #cbd5e1; }
header.top .tools { display: flex; gap: 16px; align-items: center; font-size: 13px; }
header.top .tools a { color: #cbd5e1; }
header.top .langs { display: flex; gap: 8px; }
header.top .langs strong { color: #fff; font-weight: 600; }
header.top form button { background: transparent; color: #cbd5e1; border: 1px solid #334155; }
.inner { max-width: 1240px; margin: 0 auto; padding: 0 24px; }
main.inner { padding-top: 24px; padding-bottom: 48px; }
h1 { font-size: 24px; margin: 0 0 4px; font-weight: 650; overflow-wrap: anywhere; }
h2 { font-size: 15px; margin: 0 0 12px; font-weight: 600; color: #334155; text-transform: uppercase; letter-spacing: .04em; }
.sub { color: var(--muted); margin: 0 0 20px; }
section.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 18px 20px; margin-bottom: 20px; }
.grid { display: grid; grid-template-columns: repeat(4, 1fr); gap: 12px; margin-bottom: 20px; }
@media (max-width: 800px) { .grid { grid-template-columns: repeat(2, 1fr); } }
.stat { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 12px 16px; }
.stat .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .05em; }
.stat .value { font-size: 26px; font-weight: 650; font-variant-numeric: tabular-nums; }
.stat .note { color: var(--muted); font-size: 12px; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; text-transform: uppercase; letter-spacing: .04em; }
td.num, th.num { text-align: right; }
tr:last-child td { border-bottom: none; }
tr.zero td { color: #94a3b8; }
table.preview th { vertical-align: bottom; text-transform: none; letter-spacing: 0; font-size: 13px; color: var(--ink); }
table.preview th select { display: block; margin-top: 4px; font: inherit; font-size: 12px; }
ul.consent { margin: 0; padding-left: 18px; }
tr.event td { border-bottom: none; padding-top: 0; font-size: 13px; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 12px; font-weight: 600; background: #e2e8f0; color: #334155; }
.badge.running { background: #dcfce7; color: #166534; }
.badge.scheduled { background: #dbeafe; color: #1e40af; }
.badge.paused { background: #fef3c7; color: #92400e; }
.badge.completed { background: #e0f2fe; color: #075985; }
.badge.cancelled { background: #fee2e2; color: #991b1b; }
.bar { display: flex; height: 10px; border-radius: 5px; overflow: hidden; background: #f1f5f9; min-width: 160px; }
.bar.big { height: 18px; border-radius: 6px; margin-bottom: 14px; }
.bar span { display: block; height: 100%; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 3px; margin-right: 7px; vertical-align: baseline; }
.actions { display: flex; gap: 8px; align-items: flex-start; flex-wrap: wrap; margin: 0 0 20px; }
button { font: inherit; font-size: 14px; font-weight: 600; border-radius: 7px; padding: 6px 14px; border: 1px solid var(--line); background: #fff; color: var(--ink); cursor: pointer; }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.warn { background: #f59e0b; border-color: #f59e0b; color: #fff; }
button.danger { background: #dc2626; border-color: #dc2626; color: #fff; }
details.confirm summary { list-style: none; cursor: pointer; font-size: 14px; font-weight: 600; border: 1px solid #fecaca; color: #b91c1c; border-radius: 7px; padding: 6px 14px; background: #fff; }
details.confirm[open] summary { margin-bottom: 8px; }
.notice { background: #eff6ff; border: 1px solid #bfdbfe; color: #1e3a8a; border-radius: 8px; padding: 10px 14px; margin-bottom: 20px; }
.error { background: #fef2f2; border: 1px solid #fecaca; color: #991b1b; border-radius: 8px; padding: 10px 14px; margin-bottom: 16px; }
.muted { color: var(--muted); }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.two { display: grid; grid-template-columns: 1fr 1fr; gap: 20px; }
@media (max-width: 800px) { .two { grid-template-columns: 1fr; } }
svg.chart text { font: 11px system-ui, sans-serif; fill: #64748b; }
.login { max-width: 380px; margin: 80px auto; }
.login input { width: 100%; font: inherit; padding: 8px 10px; border: 1px solid #cbd5e1; border-radius: 7px; margin: 6px 0 14px; }
form.editor label { display: block; font-weight: 600; font-size: 14px; margin: 12px 0 4px; }
form.editor label.inline { display: inline-block; font-weight: 400; margin: 4px 16px 4px 0; }
form.editor input:not([type=radio]), form.editor select, form.editor textarea { width: 100%; font: inherit; padding: 7px 10px; border: 1px solid #cbd5e1; border-radius: 7px; background: #fff; }
form.editor textarea.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
form.editor [aria-invalid="true"] { border-color: #dc2626; background: #fef2f2; }
form.editor fieldset { border: none; padding: 0; margin: 12px 0 0; }
form.editor legend { font-weight: 600; font-size: 14px; padding: 0; }
.row { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
.hint { color: var(--muted); font-size: 13px; margin: 4px 0 0; }
.field-error { color: #b91c1c; font-size: 13px; margin: 4px 0 0; }
pre.message { white-space: pre-wrap; background: #f1f5f9; border-radius: 8px; padding: 12px 14px; margin: 0 0 8px; font: 14px/1.5 system-ui, sans-serif; }
dl.definition { display: grid; grid-template-columns: max-content 1fr; gap: 6px 18px; margin: 0; }
dl.definition dt { color: var(--muted); }
dl.definition dd { margin: 0; overflow-wrap: anywhere; }
a.button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
a.button { display: inline-block; font-size: 14px; font-weight: 600; border-radius: 7px; padding: 6px 14px; border: 1px solid var(--line); background: #fff; color: var(--ink); }
form.inline-form { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin: 0 0 12px; }
form.inline-form input { font: inherit; padding: 6px 10px; border: 1px solid #cbd5e1; border-radius: 7px; min-width: 220px; }
ol.runs { margin: 6px 0 0; padding-left: 20px; }
h3 { font-size: 14px; margin: 16px 0 8px; color: #334155; }
.pager { display: flex; gap: 12px; justify-content: flex-end; margin-top: 12px; }
`;

export interface PageOptions {
  ui: Ui;
  title: string;
  body: SafeHtml;
  /** The path of this page, for the language links to come back to. */
  path?: string;
  /** The logout form's CSRF token, when someone is logged in. */
  logoutCsrf?: string | undefined;
  /** Seconds before the browser reloads the page, for pages that change while watched. */
  refreshSeconds?: number | undefined;
}

function languageLinks(ui: Ui, path: string): SafeHtml {
  return html`<span class="langs">${LANGUAGES.map((lang) =>
    lang === ui.lang
      ? html`<strong lang="${lang}">${ui.t(`language.${lang}`)}</strong>`
      : html`<a lang="${lang}" hreflang="${lang}" href="/settings/language?to=${lang}&amp;next=${encodeURIComponent(path)}">${ui.t(`language.${lang}`)}</a>`,
  )}</span>`;
}

export function page(options: PageOptions): string {
  const { ui } = options;
  const t = ui.t;
  const loggedIn = options.logoutCsrf !== undefined;
  return html`<!doctype html>
<html lang="${ui.lang}" data-zone-source="${ui.zoneSource}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.refreshSeconds ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}">` : ''}
<title>${options.title} · ${t('titleSuffix')}</title>
<style>${new SafeHtml(STYLE)}</style>
<script src="/assets/console.js" defer></script>
</head>
<body>
<header class="top"><div class="inner">
<nav><a class="brand" href="/">${t('brand')}</a>
<a href="/">${t('nav.campaigns')}</a>
<a href="/overview">${t('nav.overview')}</a>
<a href="/appointments">${t('nav.appointments')}</a>
<a href="/contacts">${t('nav.contacts')}</a>
<a href="/lists">${t('nav.lists')}</a>
<a href="/settings">${t('nav.settings')}</a></nav>
<div class="tools">
<a class="zone" href="/settings" title="${t('nav.settings')}">${t('timesIn')} <span data-zone-label>${ui.zone}</span></a>
${languageLinks(ui, options.path ?? '/')}
${
  loggedIn
    ? html`<form method="post" action="/logout"><input type="hidden" name="csrf" value="${options.logoutCsrf}"><button type="submit">${t('nav.logOut')}</button></form>`
    : ''
}
</div>
</div></header>
<main class="inner">
${options.body}
</main>
</body>
</html>`.value;
}

/** A stacked bar of delivery states: the campaign's progress at a glance. */
export function stateBar(ui: Ui, counts: Record<string, number>, total: number, big = false): SafeHtml {
  const present = Object.entries(counts).filter(([, n]) => n > 0);
  const name = (state: string) => ui.t(`state.${state}`, { defaultValue: state });
  const segments = present.map(
    ([state, n]) =>
      html`<span style="width:${((n / total) * 100).toFixed(3)}%;background:${STATE_COLOURS[state] ?? '#94a3b8'}" title="${name(state)}: ${ui.number(n)}"></span>`,
  );
  return html`<div class="bar${big ? ' big' : ''}" role="img" aria-label="${present
    .map(([s, n]) => `${name(s)} ${ui.number(n)}`)
    .join(', ')}">${total > 0 ? segments : ''}</div>`;
}

export function statusBadge(ui: Ui, status: string): SafeHtml {
  return html`<span class="badge ${status}" data-status="${status}">${ui.t(`status.${status}`, { defaultValue: status })}</span>`;
}

/** Newer / Page n of m / Older links under a paged table; nothing when it fits one page. */
export function pager(
  ui: Ui,
  options: { page: number; pages: number; href: (page: number) => string },
): SafeHtml {
  const { page, pages, href } = options;
  if (pages <= 1) return html``;
  return html`<div class="pager">
${page > 1 ? html`<a href="${href(page - 1)}" rel="prev">${ui.t('pager.newer')}</a>` : ''}
<span class="muted">${ui.t('pager.page', { page: ui.number(page), pages: ui.number(pages) })}</span>
${page < pages ? html`<a href="${href(page + 1)}" rel="next">${ui.t('pager.older')}</a>` : ''}
</div>`;
}
