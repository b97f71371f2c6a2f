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

/** The file name endings whose kind is known, for an error that lists them. */
export const ATTACHMENT_EXTENSIONS = Object.keys(KIND_BY_EXTENSION).map((e) => `.${e}`);

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
