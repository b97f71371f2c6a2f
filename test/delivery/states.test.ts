import { describe, expect, it } from 'vitest';
import {
  assertTransition,
  canTransition,
  DELIVERY_STATES,
  FINAL_STATES,
  InvalidTransitionError,
  PENDING_STATES,
  REASONS,
  SENT_STATES,
  STATE_TIMESTAMP_COLUMN,
  statesLeadingTo,
  TRANSITIONS,
} from '../../src/delivery/states.js';

describe('the delivery transition table', () => {
  it('lets a pending delivery wait, go out, be skipped or fail', () => {
    expect(canTransition('queued', 'sending')).toBe(true);
    expect(canTransition('queued', 'waiting')).toBe(true);
    expect(canTransition('waiting', 'waiting')).toBe(true);
    expect(canTransition('waiting', 'queued')).toBe(true);
    for (const from of PENDING_STATES) {
      expect(canTransition(from, 'skipped'), from).toBe(true);
      expect(canTransition(from, 'failed'), from).toBe(true);
      expect(canTransition(from, 'sent'), `${from} -> sent skips sending`).toBe(false);
    }
  });

  it('lets a sending delivery be sent, or go back to wait when recovery finds Chat2Desk has no such message', () => {
    expect(TRANSITIONS.sending).toEqual(['sent', 'waiting', 'queued', 'failed', 'skipped']);
    expect(canTransition('sending', 'sending')).toBe(false);
  });

  it('moves a sent message forward only, or to failed when the messenger reports it undeliverable', () => {
    expect(TRANSITIONS.sent).toEqual(['delivered', 'read', 'failed']);
    expect(TRANSITIONS.delivered).toEqual(['read']);
    expect(canTransition('delivered', 'sent')).toBe(false);
    expect(canTransition('read', 'delivered')).toBe(false);
    expect(canTransition('sent', 'sending')).toBe(false);
    expect(canTransition('sent', 'queued')).toBe(false);
  });

  it('never lets a message that went out be sent again', () => {
    for (const from of SENT_STATES) {
      for (const to of ['queued', 'waiting', 'sending', 'skipped'] as const) {
        expect(canTransition(from, to), `${from} -> ${to}`).toBe(false);
      }
    }
  });

  it('lets nothing leave read, failed or skipped', () => {
    for (const from of ['read', ...FINAL_STATES] as const) {
      expect(TRANSITIONS[from], from).toEqual([]);
      for (const to of DELIVERY_STATES) expect(canTransition(from, to), `${from} -> ${to}`).toBe(false);
    }
  });

  it('names only known states', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...DELIVERY_STATES].sort());
    for (const targets of Object.values(TRANSITIONS)) {
      for (const to of targets) expect(DELIVERY_STATES).toContain(to);
    }
  });
});

describe('assertTransition', () => {
  it('passes an edge of the table and throws, naming both states, for any other', () => {
    expect(() => assertTransition('queued', 'sending')).not.toThrow();
    let error: unknown;
    try {
      assertTransition('failed', 'queued');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidTransitionError);
    expect(error).toMatchObject({
      from: 'failed',
      to: 'queued',
      message: 'a delivery cannot go from failed to queued',
    });
  });
});

describe('statesLeadingTo', () => {
  it('gives the guard of each move: the states with an edge to it, in the order of DELIVERY_STATES', () => {
    expect(statesLeadingTo('sending')).toEqual(['queued', 'waiting']);
    expect(statesLeadingTo('sent')).toEqual(['sending']);
    expect(statesLeadingTo('read')).toEqual(['sent', 'delivered']);
    expect(statesLeadingTo('failed')).toEqual(['queued', 'waiting', 'sending', 'sent']);
    expect(statesLeadingTo('skipped')).toEqual(['queued', 'waiting', 'sending']);
    expect(statesLeadingTo('waiting')).toEqual(['queued', 'waiting', 'sending']);
    expect(statesLeadingTo('queued')).toEqual(['waiting', 'sending']);
  });

  it('agrees with canTransition for every pair', () => {
    for (const to of DELIVERY_STATES) {
      for (const from of DELIVERY_STATES) {
        expect(statesLeadingTo(to).includes(from), `${from} -> ${to}`).toBe(canTransition(from, to));
      }
    }
  });
});

describe('REASONS', () => {
  it('are snake_case codes, with details after a colon so reports can group by the code', () => {
    expect(REASONS.missingVariable('firstName')).toBe('missing_variable:firstName');
    expect(REASONS.invalidVariable('appointment.startsAt')).toBe('invalid_variable:appointment.startsAt');
    expect(REASONS.retry('rate_limited')).toBe('retry:rate_limited');
    expect(REASONS.attemptsExhausted('chat2desk_server_error')).toBe(
      'attempts_exhausted:chat2desk_server_error',
    );
    expect(REASONS.rejectedByChat2Desk('Wrong phone: x')).toBe('chat2desk:Wrong phone: x');
    for (const [name, reason] of Object.entries(REASONS)) {
      const code = typeof reason === 'function' ? reason('detail').split(':')[0] : reason;
      expect(code, name).toMatch(/^[a-z0-9]+(_[a-z0-9]+)*$/);
    }
  });

  it('give every reason a code of its own', () => {
    const codes = Object.values(REASONS).map((reason) =>
      typeof reason === 'function' ? reason('x').split(':')[0] : reason,
    );
    expect(new Set(codes).size).toBe(codes.length);
  });
});

describe('the groups of states', () => {
  it('split pending, sent and final states without overlap', () => {
    expect([...PENDING_STATES]).toEqual(['queued', 'waiting']);
    expect([...SENT_STATES]).toEqual(['sent', 'delivered', 'read']);
    expect([...FINAL_STATES]).toEqual(['failed', 'skipped']);
    const all = [...PENDING_STATES, ...SENT_STATES, ...FINAL_STATES, 'sending'];
    expect(all.sort()).toEqual([...DELIVERY_STATES].sort());
  });

  it('record each state in a column of its own name', () => {
    for (const state of DELIVERY_STATES) expect(STATE_TIMESTAMP_COLUMN[state]).toBe(`${state}_at`);
  });
});
