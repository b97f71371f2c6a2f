import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClockQueue } from '../../../src/chat2desk/sandbox/clockQueue.js';
import { ManualClock } from '../../../src/clock.js';
import { recordingLogger } from '../../support/sandboxApi.js';

const T0 = Date.UTC(2026, 2, 10, 9, 0, 0);

let queue: ClockQueue;
let clock: ManualClock;
let lines: Record<string, unknown>[];

function start(): void {
  clock = new ManualClock(T0);
  const recording = recordingLogger();
  lines = recording.lines;
  queue = new ClockQueue(clock, recording.logger);
}
afterEach(async () => {
  await queue.close();
});

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe('ClockQueue', () => {
  it('runs nothing before it is due, and hands a late task the instant it was due', async () => {
    start();
    const dueAts: number[] = [];
    queue.at(T0 + 1000, 'k', (at) => {
      dueAts.push(at.getTime());
    });
    clock.advance(999);
    await queue.runDue();
    expect(dueAts).toEqual([]);
    expect(queue.size).toBe(1);
    clock.advance(3_600_000);
    await queue.runDue();
    expect(dueAts).toEqual([T0 + 1000]);
    expect(queue.size).toBe(0);
  });

  it('runs in due order, and entries due at the same instant in the order they were added', async () => {
    start();
    const ran: string[] = [];
    const record = (name: string) => () => {
      ran.push(name);
    };
    queue.at(T0 + 30, 'k', record('c'));
    queue.at(new Date(T0 + 10), 'k', record('a1'));
    queue.at(T0 + 20, 'k', record('b'));
    queue.at(T0 + 10, 'k', record('a2'));
    queue.at(T0 + 10, 'k', record('a3'));
    clock.advance(30);
    await queue.runDue();
    expect(ran).toEqual(['a1', 'a2', 'a3', 'b', 'c']);
  });

  it('runs in the same pass what a task schedules for by now, and keeps what it schedules for later', async () => {
    start();
    const ran: string[] = [];
    queue.at(T0, 'k', () => {
      ran.push('first');
      queue.at(T0, 'k', () => {
        ran.push('follow-up now');
      });
      queue.at(T0 + 1, 'k', () => {
        ran.push('follow-up later');
      });
    });
    await queue.runDue();
    expect(ran).toEqual(['first', 'follow-up now']);
    expect(queue.size).toBe(1);
  });

  it('logs a failing task with its kind and goes on with the rest', async () => {
    start();
    const ran: string[] = [];
    queue.at(T0, 'retries', () => {
      throw new Error('receiver exploded');
    });
    queue.at(T0, 'retries', async () => {
      await Promise.reject(new Error('async failure'));
    });
    queue.at(T0, 'other', () => {
      ran.push('after the failures');
    });
    await queue.runDue();
    expect(ran).toEqual(['after the failures']);
    const errors = lines.filter((l) => l['msg'] === 'sandbox scheduled work failed');
    expect(errors).toHaveLength(2);
    expect(errors.map((e) => e['kind'])).toEqual(['retries', 'retries']);
    expect(JSON.stringify(errors[0])).toContain('receiver exploded');
  });

  it('drops every entry of one kind and only that kind', async () => {
    start();
    const ran: string[] = [];
    queue.at(T0, 'messages', () => {
      ran.push('message');
    });
    queue.at(T0, 'deliveries', () => {
      ran.push('delivery');
    });
    queue.at(T0 + 5, 'messages', () => {
      ran.push('later message');
    });
    queue.dropKind('messages');
    expect(queue.size).toBe(1);
    clock.advance(5);
    await queue.runDue();
    expect(ran).toEqual(['delivery']);
  });

  it('answers a pass asked for during another with that pass, which also runs what became due meanwhile', async () => {
    start();
    const ran: string[] = [];
    const slow = gate();
    queue.at(T0, 'k', async () => {
      await slow.opened;
      ran.push('slow');
    });
    queue.at(T0 + 60_000, 'k', () => {
      ran.push('due after the clock moved');
    });
    const first = queue.runDue();
    clock.advance(60_000);
    const second = queue.runDue();
    expect(second).toBe(first);
    slow.open();
    await second;
    expect(ran).toEqual(['slow', 'due after the clock moved']);
  });

  it('looks at the queue by itself, so moving the clock is enough for due work to run', async () => {
    start();
    let ran = false;
    queue.at(T0 + 10_000, 'k', () => {
      ran = true;
    });
    clock.advance(10_000);
    await vi.waitFor(() => expect(ran).toBe(true), { timeout: 5_000, interval: 50 });
  });

  it('on close waits for the task under way, then drops the rest and ignores new entries', async () => {
    start();
    const ran: string[] = [];
    const slow = gate();
    queue.at(T0, 'k', async () => {
      await slow.opened;
      ran.push('under way');
    });
    queue.at(T0, 'k', () => {
      ran.push('next in line');
    });
    const pass = queue.runDue();
    let closed = false;
    const closing = queue.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    slow.open();
    await closing;
    await pass;
    expect(ran).toEqual(['under way']);
    queue.at(T0, 'k', () => {
      ran.push('after close');
    });
    expect(queue.size).toBe(0);
    await queue.runDue();
    expect(ran).toEqual(['under way']);
  });
});
