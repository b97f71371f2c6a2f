import type { IssueCollector } from './issueCollector.js';

/**
 * A campaign's `attachment`: a file by URL, sent as POST /v1/messages `attachment` (the manual: "URL
 * of a photo or PDF"; a message may be the file alone). Its kind is read from the file name, because
 * Chat2Desk's GET /v1/help/transports says per transport which kinds go to a client (image, pdf,
 * video, audio) and the worker checks it before sending.
 */
export const MAX_ATTACHMENT_URL_CHARS = 2048;

export const ATTACHMENT_KINDS = ['image', 'pdf', 'video', 'audio'] as const;
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number];

const KIND_BY_EXTENSION: Readonly<Record<string, AttachmentKind>> = {
  jpg: 'image',
  jpeg: 'image',
  png: 'image',
  gif: 'image',
  webp: 'image',
  pdf: 'pdf',
  mp4: 'video',
  '3gp': 'video',
  mp3: 'audio',
  ogg: 'audio',
  opus: 'audio',
  m4a: 'audio',
  aac: 'audio',
  amr: 'audio',
};

const EXTENSIONS = Object.keys(KIND_BY_EXTENSION).map((e) => `.${e}`);

/** The kind of file a URL names, by the extension of its path; null when it cannot be told. */
export function attachmentKind(url: string): AttachmentKind | null {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return null;
  }
  const extension = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase();
  return extension === undefined ? null : (KIND_BY_EXTENSION[extension] ?? null);
}

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
      `the file's kind cannot be told from its name: its path must end in ${EXTENSIONS.join(', ')}`,
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
