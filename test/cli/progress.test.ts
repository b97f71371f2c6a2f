import { describe, expect, it } from 'vitest';
import { createProgress, formatBytes, formatCount, progressLine } from '../../src/cli/progress.js';

/** A stream that keeps what is written, a terminal or not, and a clock the test moves. */
function capture(options: { tty?: boolean; columns?: number } = {}) {
  const writes: string[] = [];
  let ms = 0;
  return {
    writes,
    stream: {
      write: (text: string) => writes.push(text),
      ...(options.tty ? { isTTY: true } : {}),
      ...(options.columns ? { columns: options.columns } : {}),
    },
    now: () => ms,
    advance: (by: number) => {
      ms += by;
    },
  };
}

describe('progressLine', () => {
  it('draws a bar, the percentage and done of total, then the detail', () => {
    expect(
      progressLine('Importing contacts.csv', { done: 3_000, total: 10_000, detail: 'rows read: 2,950' }),
    ).toBe(`Importing contacts.csv  [#########${'.'.repeat(21)}]   30%  3,000/10,000  rows read: 2,950`);
  });

  it('leaves the bar out for plain output, and shows bytes as sizes', () => {
    expect(progressLine('Reading', { done: 1_536, total: 10_485_760 }, { bar: false, unit: 'bytes' })).toBe(
      'Reading    0%  1.5 KB/10.0 MB',
    );
  });

  it('shows the count alone while the total is unknown or zero', () => {
    expect(progressLine('Sending', { done: 1_234_567, total: null, detail: 'paused' })).toBe(
      'Sending  1,234,567  paused',
    );
    expect(progressLine('Sending', { done: 0, total: 0 })).toBe('Sending  0');
  });

  it('keeps the bar within 0–100% whatever done says', () => {
    expect(progressLine('x', { done: 15, total: 10 })).toBe(`x  [${'#'.repeat(30)}]  100%  15/10`);
    expect(progressLine('x', { done: -5, total: 10 })).toBe(`x  [${'.'.repeat(30)}]    0%  -5/10`);
  });

  it('rounds the bar but never the percentage up', () => {
    expect(progressLine('x', { done: 999, total: 1000 })).toBe(`x  [${'#'.repeat(30)}]   99%  999/1,000`);
  });
});

describe('formatCount and formatBytes', () => {
  it('groups thousands', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(1_234_567)).toBe('1,234,567');
  });

  it('gives bytes under a KB as they are, and larger sizes with one decimal in the largest unit', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KB');
    expect(formatBytes(1_536)).toBe('1.5 KB');
    expect(formatBytes(10_485_760)).toBe('10.0 MB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GB');
    expect(formatBytes(2 * 1024 ** 5)).toBe('2048.0 TB');
  });
});

describe('createProgress on a terminal', () => {
  it('draws at once in place, at most every 100 ms, and ends on a fresh line with the latest state', () => {
    const c = capture({ tty: true, columns: 61 });
    const progress = createProgress({ stream: c.stream, label: 'Job', mode: 'auto', now: c.now });

    progress.update({ done: 1, total: 4 });
    c.advance(50);
    progress.update({ done: 2, total: 4 });
    c.advance(50);
    progress.update({ done: 3, total: 4 });
    progress.update({ done: 4, total: 4 });
    progress.finish();

    const line = (done: number) => `\r${progressLine('Job', { done, total: 4 }).padEnd(60)}`;
    expect(c.writes).toEqual([line(1), line(3), line(4), '\n']);
  });

  it('cuts a line to the width of the terminal', () => {
    const c = capture({ tty: true, columns: 30 });
    const progress = createProgress({ stream: c.stream, label: 'A long label', mode: 'auto', now: c.now });

    progress.update({ done: 1, total: 2, detail: 'a detail that does not fit' });

    expect(c.writes).toEqual([`\r${progressLine('A long label', { done: 1, total: 2 }).slice(0, 29)}`]);
  });

  it('writes nothing at the finish when it never drew', () => {
    const c = capture({ tty: true });

    createProgress({ stream: c.stream, label: 'Job', mode: 'auto', now: c.now }).finish();

    expect(c.writes).toEqual([]);
  });
});

describe('createProgress on plain output', () => {
  it('prints nothing for quick work, then a line per interval, never the same line twice', () => {
    const c = capture();
    const progress = createProgress({
      stream: c.stream,
      label: 'Job',
      mode: 'auto',
      now: c.now,
      plainEveryMs: 1000,
    });

    progress.update({ done: 1, total: 10 });
    c.advance(999);
    progress.update({ done: 2, total: 10 });
    c.advance(1);
    progress.update({ done: 3, total: 10 });
    c.advance(1000);
    progress.update({ done: 3, total: 10 });
    c.advance(1000);
    progress.update({ done: 9, total: 10 });
    progress.finish();

    expect(c.writes).toEqual(['Job   30%  3/10\n', 'Job   90%  9/10\n']);
  });

  it('adds the items done and how many a second since the start', () => {
    const c = capture();
    const progress = createProgress({
      stream: c.stream,
      label: 'Importing',
      mode: 'auto',
      unit: 'bytes',
      itemName: 'rows',
      now: c.now,
      plainEveryMs: 2000,
    });

    c.advance(2000);
    progress.update({ done: 2048, total: 4096, items: 5_000, detail: 'batch 3' });

    expect(c.writes).toEqual(['Importing   50%  2.0 KB/4.0 KB  5,000 rows (2,500 rows/s)  batch 3\n']);
  });
});

describe('createProgress switched off', () => {
  it('writes nothing at all, even to a terminal', () => {
    const c = capture({ tty: true });
    const progress = createProgress({ stream: c.stream, label: 'Job', mode: 'off', now: c.now });

    progress.update({ done: 1, total: 2 });
    progress.finish();

    expect(c.writes).toEqual([]);
  });
});
