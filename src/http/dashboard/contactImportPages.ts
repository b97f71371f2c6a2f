import { contactColumnOf } from '../../contacts/headerAliases.js';
import type { ImportIssue, ImportRecord } from '../../contacts/importQueries.js';
import type { UploadPreview } from './consoleUploads.js';
import { html, type SafeHtml } from './html.js';
import type { Ui } from './ui.js';

/** What a column of the file can be: one of the contact's fields, or an attribute under its own name. */
export const IMPORT_TARGETS = [
  'phone',
  'name',
  'timezone',
  'opted_in',
  'opt_in_source',
  'attribute',
] as const;
export type ImportTarget = (typeof IMPORT_TARGETS)[number];

/** The field a column's name suggests (Телефон → phone), read as every import reads it; else an attribute. */
export function guessImportTarget(column: string): ImportTarget {
  return contactColumnOf(column) ?? 'attribute';
}

/** The page to pick a CSV and, optionally, the list its contacts join. */
export function uploadPage(ui: Ui, options: { csrf: string; error?: string }): SafeHtml {
  const { t } = ui;
  return html`<p class="sub" style="margin-bottom:6px"><a href="/contacts">${t('contact.title')}</a></p>
<h1>${t('upload.title')}</h1>
<p class="sub">${t('upload.intro')}</p>
${options.error ? html`<div class="error" role="alert">${options.error}</div>` : ''}
<section class="panel" style="max-width:640px">
<form method="post" action="/contacts/import" enctype="multipart/form-data" class="editor">
<input type="hidden" name="csrf" value="${options.csrf}">
<label for="file">${t('upload.file')}</label>
<input id="file" name="file" type="file" accept=".csv,text/csv" required>
<p><button type="submit" class="primary">${t('upload.next')}</button></p>
</form>
</section>`;
}

/** The file's first rows and a field for each column, guessed from its name, before anything is imported. */
export function mappingPage(
  ui: Ui,
  options: {
    csrf: string;
    uploadId: string;
    fileName: string;
    preview: UploadPreview;
    error?: string;
    list?: string;
  },
): SafeHtml {
  const { t } = ui;
  const { preview } = options;
  const selects = preview.header.map(
    (column, i) =>
      html`<th><div>${column}</div><select name="col${i}" aria-label="${t('upload.columnIs', { column })}">${IMPORT_TARGETS.map(
        (target) =>
          html`<option value="${target}"${guessImportTarget(column) === target ? html` selected` : ''}>${t(`upload.target.${target}`)}</option>`,
      )}</select></th>`,
  );
  return html`<p class="sub" style="margin-bottom:6px"><a href="/contacts">${t('contact.title')}</a> / <a href="/contacts/import">${t('upload.title')}</a></p>
<h1>${options.fileName}</h1>
<p class="sub">${t('upload.mappingIntro')}</p>
${options.error ? html`<div class="error" role="alert">${options.error}</div>` : ''}
${preview.problem ? html`<div class="notice">${t('upload.unreadable', { problem: preview.problem })}</div>` : ''}
<form method="post" action="/contacts/import/${options.uploadId}" class="editor">
<input type="hidden" name="csrf" value="${options.csrf}">
<section class="panel" style="overflow-x:auto">
<table class="preview"><thead><tr>${selects}</tr></thead>
<tbody>${preview.rows.map((row) => html`<tr>${preview.header.map((_, i) => html`<td>${row[i] ?? ''}</td>`)}</tr>`)}</tbody></table>
<p class="hint">${t('upload.firstRows', { count: preview.rows.length })}</p>
</section>
<section class="panel" style="max-width:640px">
<label for="list">${t('upload.list')}</label>
<input id="list" name="list" maxlength="200" value="${options.list ?? ''}">
<p class="hint">${t('upload.listHint')}</p>
<p><button type="submit" class="primary">${t('upload.import')}</button></p>
</section>
</form>`;
}

/** An import as it runs (the page reloads itself) and when it is done: counts, problems, rejected rows. */
export function importResultPage(ui: Ui, record: ImportRecord, issues: readonly ImportIssue[]): SafeHtml {
  const { t } = ui;
  const stat = (key: string, value: number) =>
    html`<div class="stat"><div class="label">${t(`upload.count.${key}`)}</div><div class="value" data-import="${key}">${ui.number(value)}</div></div>`;
  return html`<p class="sub" style="margin-bottom:6px"><a href="/contacts">${t('contact.title')}</a> / ${t('upload.importNo', { id: record.id })}</p>
<h1>${record.source ?? t('upload.title')}</h1>
<p class="sub" data-import-status="${record.status}">${t(`upload.status.${record.status}`)}${record.listName ? ` · ${t('upload.intoList', { list: record.listName })}` : ''}</p>
${record.error ? html`<div class="error" role="alert">${record.error}</div>` : ''}
<div class="grid">
${stat('rows', record.rows)}${stat('inserted', record.inserted)}${stat('updated', record.updated)}${stat('rejected', record.rejected)}
${stat('warned', record.warned)}${stat('repeated', record.repeated)}${record.consentWithdrawn > 0 ? stat('consentWithdrawn', record.consentWithdrawn) : ''}
</div>
${
  record.rejected > 0
    ? html`<p><a href="/contacts/imports/${record.id}/rejects.csv" download data-download="rejects">${t('upload.rejects', { count: record.rejected })}</a></p>`
    : ''
}
${
  issues.length
    ? html`<section class="panel"><h2>${t('upload.problems')}</h2><table><thead><tr><th>${t('upload.line')}</th><th>${t('upload.kind')}</th><th>${t('upload.column')}</th><th>${t('upload.value')}</th><th>${t('campaign.reason')}</th></tr></thead><tbody>${issues.map(
        (i) =>
          html`<tr data-issue="${i.kind}"><td class="num">${i.line}</td><td>${t(`upload.issue.${i.kind}`, { defaultValue: i.kind })}</td><td class="mono">${i.column ?? ''}</td><td class="mono">${i.value ?? ''}</td><td>${i.reason}</td></tr>`,
      )}</tbody></table></section>`
    : ''
}`;
}
