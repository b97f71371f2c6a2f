import { describe, expect, it } from 'vitest';
import { guessImportTarget, mappingPage } from '../../../src/http/dashboard/contactImportPages.js';
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
