import { describe, expect, it } from 'vitest';
import { readAttachment } from '../../src/campaigns/attachmentField.js';
import { IssueCollector } from '../../src/campaigns/issueCollector.js';
import { ATTACHMENT_EXTENSIONS, MAX_ATTACHMENT_URL_CHARS } from '../../src/messages/attachment.js';

function read(value: unknown): { value: string | null; problems: string[] } {
  const check = new IssueCollector();
  const url = readAttachment(check, value);
  return { value: url, problems: check.issues.map((issue) => `${issue.path}: ${issue.message}`) };
}

describe('readAttachment', () => {
  it('takes an absolute http(s) URL of a file whose kind its name tells', () => {
    expect(read('https://example.com/offer.jpg')).toEqual({
      value: 'https://example.com/offer.jpg',
      problems: [],
    });
    expect(read('http://example.com/price.pdf').value).toBe('http://example.com/price.pdf');
  });

  it('is nothing when absent', () => {
    expect(read(undefined)).toEqual({ value: null, problems: [] });
  });

  it('refuses what is not a URL string', () => {
    expect(read('').problems).toEqual([
      'attachment: expected the URL of a file, e.g. "https://example.com/offer.jpg", got ""',
    ]);
    expect(read(5).problems).toEqual([
      'attachment: expected the URL of a file, e.g. "https://example.com/offer.jpg", got 5',
    ]);
    expect(read('example.com/a.jpg').problems).toEqual(['attachment: is not an absolute URL (https://…)']);
  });

  it(`refuses a URL over ${MAX_ATTACHMENT_URL_CHARS} characters`, () => {
    const url = `https://example.com/${'x'.repeat(MAX_ATTACHMENT_URL_CHARS)}.jpg`;
    expect(read(url)).toEqual({
      value: null,
      problems: [`attachment: is ${url.length} characters long; at most ${MAX_ATTACHMENT_URL_CHARS}`],
    });
  });

  it('refuses spaces and control characters, which must be %-encoded', () => {
    for (const url of [
      'https://example.com/my offer.jpg',
      'https://example.com/a\u0007.jpg',
      'https://example.com/a\t.jpg',
    ]) {
      expect(read(url).problems, url).toEqual([
        'attachment: contains spaces or control characters; write them %-encoded',
      ]);
    }
    expect(read('https://example.com/my%20offer.jpg').value).toBe('https://example.com/my%20offer.jpg');
  });

  it('refuses another scheme and a URL carrying credentials', () => {
    expect(read('ftp://example.com/a.jpg').problems).toEqual([
      'attachment: must be an https:// (or http://) URL, not ftp:',
    ]);
    expect(read('https://user:secret@example.com/a.jpg')).toEqual({
      value: null,
      problems: ['attachment: must not carry a user name or password'],
    });
  });

  it('refuses a file whose kind its name does not tell, listing the extensions it knows', () => {
    expect(read('https://example.com/terms.docx').problems).toEqual([
      `attachment: the file's kind cannot be told from its name: its path must end in ${ATTACHMENT_EXTENSIONS.join(', ')}`,
    ]);
  });
});
