import { ATTACHMENT_EXTENSIONS, attachmentKind, MAX_ATTACHMENT_URL_CHARS } from '../messages/attachment.js';
import type { IssueCollector } from './issueCollector.js';

/** `attachment`: an absolute http(s) URL naming a file of a kind a transport can say it takes. */
export function readAttachment(check: IssueCollector, value: unknown): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'string' || value === '') {
    check.expected('attachment', 'the URL of a file, e.g. "https://example.com/offer.jpg"', value);
    return null;
  }
  if (value.length > MAX_ATTACHMENT_URL_CHARS) {
    check.add('attachment', `is ${value.length} characters long; at most ${MAX_ATTACHMENT_URL_CHARS}`);
    return null;
  }
  if (/\s/.test(value) || hasControlCharacter(value)) {
    check.add('attachment', 'contains spaces or control characters; write them %-encoded');
    return null;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    check.add('attachment', 'is not an absolute URL (https://…)');
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    check.add('attachment', `must be an https:// (or http://) URL, not ${url.protocol}`);
    return null;
  }
  if (url.username !== '' || url.password !== '') {
    // It would be stored, shown and logged: a password in it would be everywhere.
    check.add('attachment', 'must not carry a user name or password');
    return null;
  }
  if (attachmentKind(value) === null) {
    check.add(
      'attachment',
      `the file's kind cannot be told from its name: its path must end in ${ATTACHMENT_EXTENSIONS.join(', ')}`,
    );
    return null;
  }
  return value;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
