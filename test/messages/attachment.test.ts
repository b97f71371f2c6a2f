import { describe, expect, it } from 'vitest';
import { ATTACHMENT_EXTENSIONS, ATTACHMENT_KINDS, attachmentKind } from '../../src/messages/attachment.js';

describe('attachmentKind', () => {
  it('tells the kind of file from the extension of the path, in any case', () => {
    expect(attachmentKind('https://cdn.example.com/files/Photo.JPG')).toBe('image');
    expect(attachmentKind('https://example.com/price.pdf')).toBe('pdf');
    expect(attachmentKind('https://example.com/clip.3gp')).toBe('video');
    expect(attachmentKind('https://example.com/voice.opus')).toBe('audio');
  });

  it('reads the path alone, not the query or the fragment', () => {
    expect(attachmentKind('https://example.com/a.pdf?sig=1.png')).toBe('pdf');
    expect(attachmentKind('https://example.com/v.mp4#t=1.pdf')).toBe('video');
    expect(attachmentKind('https://example.com/download?file=a.pdf')).toBeNull();
  });

  it('cannot tell an unknown extension, a path without one, or text that is no URL', () => {
    expect(attachmentKind('https://example.com/doc.docx')).toBeNull();
    expect(attachmentKind('https://example.com/noext')).toBeNull();
    expect(attachmentKind('https://example.com/dir.pdf/')).toBeNull();
    expect(attachmentKind('not a url.pdf')).toBeNull();
    expect(attachmentKind('/relative/a.pdf')).toBeNull();
  });
});

describe('ATTACHMENT_EXTENSIONS', () => {
  it('lists every extension whose kind is known, each giving one of the kinds', () => {
    expect(ATTACHMENT_EXTENSIONS).toContain('.jpeg');
    expect(ATTACHMENT_EXTENSIONS).toContain('.amr');
    for (const extension of ATTACHMENT_EXTENSIONS) {
      expect(extension).toMatch(/^\.[a-z0-9]+$/);
      expect(ATTACHMENT_KINDS, extension).toContain(attachmentKind(`https://example.com/file${extension}`));
    }
  });
});
