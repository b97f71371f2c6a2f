import { describe, expect, it } from 'vitest';
import { nulTextPath } from '../../src/http/nulText.js';

describe('nulTextPath', () => {
  it('is null for values without a NUL character, and for non-text values', () => {
    expect(nulTextPath({ name: 'Anna', phones: ['7900'], n: 1, ok: true, none: null })).toBeNull();
    expect(nulTextPath(undefined)).toBeNull();
    expect(nulTextPath(42)).toBeNull();
    expect(nulTextPath('')).toBeNull();
  });

  it('is the empty path when the value itself is a string holding a NUL', () => {
    expect(nulTextPath('a\u0000b')).toBe('');
  });

  it('names a nested field by its dotted path', () => {
    expect(nulTextPath({ audience: { list: 'vip\u0000' } })).toBe('audience.list');
  });

  it('names an array item by its index', () => {
    expect(nulTextPath({ phones: ['7900', '7901', '79\u00002'] })).toBe('phones[2]');
    expect(nulTextPath([['x'], ['y', '\u0000']])).toBe('[1][1]');
  });

  it('names a key holding a NUL with the NUL written as \\0', () => {
    expect(nulTextPath({ attributes: { 'bad\u0000key': 'v' } })).toBe('attributes.bad\\0key');
  });

  it('survives nesting far deeper than the call stack would allow', () => {
    let value: unknown = 'deep\u0000';
    for (let i = 0; i < 100_000; i++) value = [value];
    const path = nulTextPath(value);
    expect(path).toBe('[0]'.repeat(100_000));
  });
});

describe('nulTextPath, of several', () => {
  it('names the first field holding a NUL in document order', () => {
    expect(nulTextPath({ a: 'x\u0000', b: 'y\u0000' })).toBe('a');
    expect(nulTextPath(['ok', 'x\u0000', 'y\u0000'])).toBe('[1]');
    expect(nulTextPath({ a: { deep: ['\u0000'] }, b: '\u0000' })).toBe('a.deep[0]');
    expect(nulTextPath({ a: '\u0000', 'b\u0000': 1 })).toBe('a');
    expect(nulTextPath({ 'a\u0000': 1, b: '\u0000' })).toBe('a\\0');
  });
});
