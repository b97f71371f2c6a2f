import type { ContactList } from '../../lists/lists.js';
import type { SegmentCount } from '../../lists/segmentCount.js';
import { html, type SafeHtml } from './html.js';
import { pager } from './layout.js';
import type { Ui } from './ui.js';

export interface ListsPageInput {
  items: ContactList[];
  total: number;
  page: number;
  pageSize: number;
  /** A login that may create lists gets the form. */
  csrf: string | undefined;
  /** The segment tester: what was asked, and its count or why it could not be counted. */
  segment: { list: string; where: string; count?: SegmentCount; error?: string };
  createError?: string;
}

/** Contact lists with their sizes, a form to make one, and a segment's count before a campaign uses it. */
export function listsPage(ui: Ui, input: ListsPageInput): SafeHtml {
  const { t } = ui;
  const { segment } = input;
  return html`<h1>${t('lists.title')}</h1>
<section class="panel">
${
  input.items.length === 0
    ? html`<p class="muted">${t('lists.none')}</p>`
    : html`<table><thead><tr><th>${t('lists.name')}</th><th class="num">${t('lists.members')}</th><th>${t('lists.description')}</th></tr></thead><tbody>${input.items.map(
        (l) =>
          html`<tr data-list="${l.name}"><td><a href="/contacts?list=${encodeURIComponent(l.name)}">${l.name}</a></td><td class="num">${ui.number(l.memberCount)}</td><td>${l.description ?? ''}</td></tr>`,
      )}</tbody></table>`
}
${pager(ui, { page: input.page, pages: Math.max(1, Math.ceil(input.total / input.pageSize)), href: (n) => `/lists?page=${n}` })}
</section>
<div class="two">
<section class="panel"><h2>${t('lists.segment')}</h2>
<form method="get" action="/lists" class="editor">
<label for="segment-list">${t('editor.audience')}</label>
<select id="segment-list" name="list"><option value="">${t('editor.everyone')}</option>${input.items.map(
    (l) =>
      html`<option value="${l.name}"${l.name === segment.list ? html` selected` : ''}>${l.name}</option>`,
  )}</select>
<label for="segment-where">${t('editor.where')}</label>
<textarea id="segment-where" name="where" rows="3" class="mono" maxlength="4000"${segment.error ? html` aria-invalid="true"` : ''}>${segment.where}</textarea>
${segment.error ? html`<div class="field-error" role="alert" data-error-for="where">${segment.error}</div>` : ''}
<p class="hint">${t('editor.whereHint')}</p>
<p class="count-row"><button type="submit">${t('lists.count')}</button>
${
  segment.count
    ? html`<span data-count="segment" role="status">${t('editor.counted', {
        matching: ui.number(segment.count.matching),
        members: ui.number(segment.count.members),
        optedIn: ui.number(segment.count.optedIn),
      })}</span>`
    : ''
}</p>
</form></section>
${
  input.csrf === undefined
    ? ''
    : html`<section class="panel"><h2>${t('lists.create')}</h2>
<form method="post" action="/lists" class="editor">
<input type="hidden" name="csrf" value="${input.csrf}">
<label for="list-name">${t('lists.name')}</label>
<input id="list-name" name="name" maxlength="200" required${input.createError ? html` aria-invalid="true"` : ''}>
${input.createError ? html`<div class="field-error" role="alert" data-error-for="name">${input.createError}</div>` : ''}
<label for="list-description">${t('lists.description')}</label>
<input id="list-description" name="description" maxlength="2000">
<p><button type="submit" class="primary">${t('lists.createButton')}</button></p>
</form></section>`
}
</div>`;
}
