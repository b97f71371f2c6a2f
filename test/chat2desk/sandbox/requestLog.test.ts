import { describe, expect, it } from 'vitest';
import { RequestLog } from '../../../src/chat2desk/sandbox/requestLog.js';

const BUSINESS = Date.UTC(2026, 5, 1, 12);

describe('RequestLog', () => {
  it('records a request as unanswered until finished, and returns its index', () => {
    const log = new RequestLog();
    const index = log.begin('GET', '/v1/clients/7', 'GET /v1/clients/:id', BUSINESS, 5_000);
    expect(index).toBe(0);
    expect(log.entry(0)).toEqual({
      method: 'GET',
      path: '/v1/clients/7',
      route: 'GET /v1/clients/:id',
      status: 0,
      businessTime: new Date(BUSINESS),
      realTimeMs: 5_000,
    });
    log.finish(index, 404);
    expect(log.entry(0)?.status).toBe(404);
    expect(log.length).toBe(1);
  });

  it('answers undefined for an index outside the log', () => {
    const log = new RequestLog();
    log.begin('GET', '/v1/clients', 'GET /v1/clients', BUSINESS, 0);
    expect(log.entry(-1)).toBeUndefined();
    expect(log.entry(1)).toBeUndefined();
  });

  it('counts requests per route and per status, unanswered ones as status 0', () => {
    const log = new RequestLog();
    const a = log.begin('GET', '/v1/clients/1', 'GET /v1/clients/:id', BUSINESS, 0);
    const b = log.begin('GET', '/v1/clients/2', 'GET /v1/clients/:id', BUSINESS, 1);
    log.begin('POST', '/v1/messages', 'POST /v1/messages', BUSINESS, 2);
    log.finish(a, 200);
    log.finish(b, 404);
    expect(log.routeCounts()).toEqual({ 'GET /v1/clients/:id': 2, 'POST /v1/messages': 1 });
    expect(log.statusCounts()).toEqual({ '0': 1, '200': 1, '404': 1 });
    expect(log.entries().map((e) => e.path)).toEqual(['/v1/clients/1', '/v1/clients/2', '/v1/messages']);
    expect(log.realTimes()).toEqual([0, 1, 2]);
  });

  it('finds the busiest sliding second, where a request 1000 ms later starts a new one', () => {
    const log = new RequestLog();
    for (const realMs of [0, 500, 999, 1000, 1999, 5000]) {
      log.begin('GET', '/v1/help/roles', 'GET /v1/help/roles', BUSINESS, realMs);
    }
    // [0, 999] holds three; (999, 1999] holds 1000 and 1999 only, so 999 is outside, not four.
    expect(log.busiestSecond()).toBe(3);
  });

  it('counts the busiest second even when it comes after a quiet spell', () => {
    const log = new RequestLog();
    log.begin('GET', '/a', 'GET /a', BUSINESS, 0);
    for (let i = 0; i < 4; i++) log.begin('GET', '/a', 'GET /a', BUSINESS, 10_000 + i * 100);
    expect(log.busiestSecond()).toBe(4);
  });

  it('starts empty after clear()', () => {
    const log = new RequestLog();
    for (let i = 0; i < 3; i++) log.begin('GET', '/a', 'GET /a', BUSINESS, i);
    log.clear();
    expect(log.length).toBe(0);
    expect(log.busiestSecond()).toBe(0);
    expect(log.routeCounts()).toEqual({});
    expect(log.statusCounts()).toEqual({});
    log.begin('GET', '/b', 'GET /b', BUSINESS, 10);
    expect(log.entry(0)?.path).toBe('/b');
    expect(log.busiestSecond()).toBe(1);
  });
});
