import { describe, expect, it } from 'vitest';
import { escapeHtml, html, SafeHtml } from '../../../src/http/dashboard/html.js';

describe('escapeHtml', () => {
  it('escapes every character that could open markup or end a quoted attribute', () => {
    expect(escapeHtml(`<a href="x" title='y'>&\`</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;',
    );
  });

  it('leaves ordinary text, Cyrillic included, as it is', () => {
    expect(escapeHtml('Привет, Anna: 50% off')).toBe('Привет, Anna: 50% off');
  });

  it('escapes an ampersand once, so an entity written by a user stays text', () => {
    expect(escapeHtml('&lt;')).toBe('&amp;lt;');
  });
});

describe('html', () => {
  it('escapes interpolated text, so a value cannot inject an element', () => {
    const name = '<script>alert(1)</script>';
    expect(html`<td>${name}</td>`.value).toBe('<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>');
  });

  it('keeps nested html as markup', () => {
    const inner = html`<b>${'a&b'}</b>`;
    expect(html`<p>${inner}</p>`.value).toBe('<p><b>a&amp;b</b></p>');
  });

  it('renders null, undefined and false as nothing, but 0 and true as text', () => {
    expect(html`[${null}|${undefined}|${false}|${0}|${true}]`.value).toBe('[|||0|true]');
  });

  it('joins arrays, escaping their text items and keeping their html ones', () => {
    const items = ['<1>', html`<i>2</i>`, [3, '&']];
    expect(html`<ul>${items}</ul>`.value).toBe('<ul>&lt;1&gt;<i>2</i>3&amp;</ul>');
  });

  it('gives a SafeHtml whose string is its markup', () => {
    const out = html`<hr>`;
    expect(out).toBeInstanceOf(SafeHtml);
    expect(`${out}`).toBe('<hr>');
  });

  it('trusts a SafeHtml made by hand, unescaped', () => {
    expect(html`${new SafeHtml('<br>')}`.value).toBe('<br>');
  });
});
