import { describe, expect, it } from 'vitest';
import {
  earlierSendInstant,
  timingAfterWhatsAppDelay,
  timingBeforeSend,
} from '../../src/delivery/sendTiming.js';
import type { ClaimedAppointment } from '../../src/delivery/sql/claimDueDeliveries.js';

const NOW = new Date('2026-11-27T07:00:00.000Z'); // 10:00 in Moscow
const ZONE = 'Europe/Moscow';
const hours = (h: number) => new Date(NOW.getTime() + h * 3_600_000);

const broadcast = {
  campaignKind: 'broadcast' as const,
  appointment: null,
  dueAt: NOW,
  sendWindow: null,
  contactTimezone: null,
  campaignTimezone: null,
};

function reminder(startsAt: Date, status: ClaimedAppointment['status'] = 'booked') {
  const appointment: ClaimedAppointment = {
    externalId: 'A-1',
    startsAt,
    timezone: ZONE,
    status,
    attributes: {},
  };
  return { ...broadcast, campaignKind: 'reminder' as const, appointment };
}

describe('timingBeforeSend', () => {
  it('sends at once without a send window, or inside it', () => {
    expect(timingBeforeSend(broadcast, NOW, ZONE)).toEqual({ action: 'send' });
    const open = { ...broadcast, sendWindow: { from: '09:00', to: '18:00' } };
    expect(timingBeforeSend(open, NOW, ZONE)).toEqual({ action: 'send' });
  });

  it('waits for the window to open, in the zone it is given', () => {
    const evening = { ...broadcast, sendWindow: { from: '18:00', to: '21:00' } };
    expect(timingBeforeSend(evening, NOW, ZONE)).toEqual({
      action: 'wait',
      until: hours(8),
      reason: 'outside_send_window',
    });
    // 10:00 in Moscow is 07:00 in UTC, before a window opening at 09:00.
    const morning = { ...broadcast, sendWindow: { from: '09:00', to: '12:00' } };
    expect(timingBeforeSend(morning, NOW, 'UTC')).toEqual({
      action: 'wait',
      until: hours(2),
      reason: 'outside_send_window',
    });
  });

  it('skips a reminder whose appointment was cancelled or deleted', () => {
    expect(timingBeforeSend(reminder(hours(24), 'cancelled'), NOW, ZONE)).toEqual({
      action: 'skip',
      reason: 'appointment_cancelled',
    });
    expect(timingBeforeSend({ ...reminder(hours(24)), appointment: null }, NOW, ZONE)).toEqual({
      action: 'skip',
      reason: 'appointment_cancelled',
    });
  });

  it('skips a reminder as too late once its appointment has started, or would have when the window opens', () => {
    const started = { ...reminder(NOW), dueAt: hours(-1) };
    expect(timingBeforeSend(started, NOW, ZONE)).toEqual({ action: 'skip', reason: 'too_late' });
    const beforeOpening = { ...reminder(hours(3)), sendWindow: { from: '18:00', to: '21:00' } };
    expect(timingBeforeSend(beforeOpening, NOW, ZONE)).toEqual({ action: 'skip', reason: 'too_late' });
    const afterOpening = { ...reminder(hours(9)), sendWindow: { from: '18:00', to: '21:00' } };
    expect(timingBeforeSend(afterOpening, NOW, ZONE)).toMatchObject({ action: 'wait', until: hours(8) });
  });

  it('sends a reminder meant for after its appointment (a follow-up) even once it has started', () => {
    const followUp = { ...reminder(hours(-2)), dueAt: hours(-1) };
    expect(timingBeforeSend(followUp, NOW, ZONE)).toEqual({ action: 'send' });
  });
});

describe('timingAfterWhatsAppDelay', () => {
  it('sends once the delay is over, at its very instant too', () => {
    expect(timingAfterWhatsAppDelay(broadcast, NOW, NOW)).toEqual({ action: 'send' });
    expect(timingAfterWhatsAppDelay(broadcast, hours(-1), NOW)).toEqual({ action: 'send' });
  });

  it('waits for the delay, or skips a reminder that could only go out once its appointment began', () => {
    const allowedAt = new Date(NOW.getTime() + 420_000);
    expect(timingAfterWhatsAppDelay(broadcast, allowedAt, NOW)).toEqual({
      action: 'wait',
      until: allowedAt,
      reason: 'whatsapp_new_client_delay',
    });
    expect(timingAfterWhatsAppDelay(reminder(new Date(NOW.getTime() + 300_000)), allowedAt, NOW)).toEqual({
      action: 'skip',
      reason: 'too_late',
    });
    expect(timingAfterWhatsAppDelay(reminder(hours(1)), allowedAt, NOW)).toMatchObject({ action: 'wait' });
  });
});

describe('earlierSendInstant', () => {
  const DAYTIME = { from: '09:00', to: '21:00' };
  // 08:00 in Moscow tomorrow; its -2h reminder is planned at 06:00.
  const EIGHT = new Date('2026-11-28T05:00:00.000Z');
  const SIX = new Date('2026-11-28T03:00:00.000Z');
  const LAST_MINUTE = new Date('2026-11-27T17:59:00.000Z'); // 20:59 in Moscow
  const plan = (over: Partial<Parameters<typeof earlierSendInstant>[0]> = {}) =>
    earlierSendInstant({
      window: DAYTIME,
      timeZone: ZONE,
      plannedAt: SIX,
      startsAt: EIGHT,
      policy: 'auto',
      now: NOW,
      ...over,
    });

  it('goes at the last minute of the window before the planned time when the next opening is after the appointment (auto, earlier)', () => {
    expect(plan()).toEqual(LAST_MINUTE);
    expect(plan({ policy: 'earlier' })).toEqual(LAST_MINUTE);
  });

  it('waits under auto when the window opens before the appointment, and goes earlier then only under earlier', () => {
    const ten = new Date('2026-11-28T07:00:00.000Z');
    const eight = new Date('2026-11-28T05:00:00.000Z');
    expect(plan({ startsAt: ten, plannedAt: eight })).toBeNull();
    expect(plan({ startsAt: ten, plannedAt: eight, policy: 'earlier' })).toEqual(LAST_MINUTE);
  });

  it('never goes earlier under wait, inside the window, without one, or for a reminder after its appointment', () => {
    expect(plan({ policy: 'wait' })).toBeNull();
    expect(
      plan({
        plannedAt: new Date('2026-11-28T07:30:00.000Z'),
        startsAt: new Date('2026-11-28T09:00:00.000Z'),
      }),
    ).toBeNull();
    expect(plan({ window: null })).toBeNull();
    expect(plan({ plannedAt: new Date('2026-11-28T06:00:00.000Z') })).toBeNull();
  });

  it('goes now when the window before is open now but its last minute has passed, and not at all once it has closed', () => {
    const lastSeconds = new Date('2026-11-27T17:59:30.000Z');
    expect(plan({ now: lastSeconds })).toEqual(lastSeconds);
    expect(plan({ now: new Date('2026-11-27T18:00:00.000Z') })).toBeNull();
  });

  it("skips the days a window does not open on: Friday's window for a Monday 08:00 under a weekday window", () => {
    // Monday 30 November, 08:00 in Moscow; Saturday and Sunday have no window.
    const monday = new Date('2026-11-30T05:00:00.000Z');
    expect(
      plan({
        window: { ...DAYTIME, days: [1, 2, 3, 4, 5] },
        startsAt: monday,
        plannedAt: new Date(monday.getTime() - 2 * 3_600_000),
      }),
    ).toEqual(LAST_MINUTE);
  });
});
