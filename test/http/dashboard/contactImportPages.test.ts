import { describe, expect, it } from 'vitest';
import type { ImportRecord } from '../../../src/contacts/importQueries.js';
import {
  guessImportTarget,
  importResultPage,
  mappingPage,
} from '../../../src/http/dashboard/contactImportPages.js';
import { uiFor } from '../../../src/http/dashboard/ui.js';

describe('guessImportTarget', () => {
  it.each([
    ['Телефон', 'phone'],
    [' phone ', 'phone'],
    ['Номер телефона', 'phone'],
    ['ФИО', 'name'],
    ['Часовой пояс', 'timezone'],
    ['Согласие', 'opted_in'],
    ['Источник', 'opt_in_source'],
    ['Город', 'attribute'],
    ['discount', 'attribute'],
  ])('reads %j as %s', (column, target) => {
    expect(guessImportTarget(column)).toBe(target);
  });
});

describe('mappingPage', () => {
  it('shows the first rows under a field picker per column, escaped', () => {
    const out = mappingPage(uiFor({}), {
      csrf: 'c',
      uploadId: 'a'.repeat(32),
      fileName: '<file>.csv',
      preview: { header: ['Телефон', '<b>'], rows: [['+7 916', '<i>x</i>']] },
    }).value;
    expect(out).toContain('<h1>&lt;file&gt;.csv</h1>');
    expect(out).toContain('<td>&lt;i&gt;x&lt;/i&gt;</td>');
    expect(out).toContain('<option value="phone" selected>phone</option>');
    expect(out).toContain(`action="/contacts/import/${'a'.repeat(32)}"`);
  });
});

describe('importResultPage', () => {
  const record: ImportRecord = {
    id: 7,
    kind: 'contacts',
    source: 'clients.csv',
    listName: null,
    status: 'completed',
    error: null,
    header: ['phone', 'opted_in'],
    startedAt: new Date('2026-12-01T07:00:00Z'),
    finishedAt: new Date('2026-12-01T07:00:05Z'),
    rows: 3,
    inserted: 0,
    updated: 3,
    rejected: 0,
    warned: 0,
    repeated: 0,
    consentWithdrawn: 2,
  };

  it('counts the consents the file withdrew (opted_in=false), and says nothing of them when there were none', () => {
    const page = (r: ImportRecord) => importResultPage(uiFor({ 'accept-language': 'ru' }), r, []).value;
    expect(page(record)).toMatch(
      /Согласие отозвано<\/div><div class="value" data-import="consentWithdrawn">2</,
    );
    expect(page({ ...record, consentWithdrawn: 0 })).not.toContain('consentWithdrawn');
  });
});
