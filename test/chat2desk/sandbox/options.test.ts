import { describe, expect, it } from 'vitest';
import {
  applyAdjustableOptions,
  monthlyQuotaOf,
  parseAdjustableOptions,
  parseFaultOptions,
  resolveSettings,
  SandboxOptionError,
  validateFaultOptions,
} from '../../../src/chat2desk/sandbox/options.js';
import { BroadcasterError } from '../../../src/errors.js';
import { errorThrownBy } from '../../support/sandboxApi.js';

/** The SandboxOptionError `run` throws. */
const thrown = (run: () => unknown): SandboxOptionError => errorThrownBy(run, SandboxOptionError);

describe('resolveSettings', () => {
  it('fills in the defaults: unlimited, a seven-minute WhatsApp delay held, Viber reporting status', () => {
    const settings = resolveSettings({});
    expect(settings).toMatchObject({
      requestsPerSecond: 0,
      mode: 'unlimited',
      monthlyQuota: undefined,
      whatsappDelayMs: 420_000,
      whatsappEarlyMessage: 'hold',
      messageIdInAnswer: true,
      clientCreationEnabled: true,
      legacyErrorsWithHttp200: false,
      webhooksApi: true,
      viberListedAs: 'viber',
      livePaging: false,
      statusTimings: { deliveredAfterMs: 2000, readAfterMs: 10_000 },
      unreachablePhonePattern: undefined,
    });
    expect([...settings.recipientStatusTransports]).toEqual(['viber']);
  });

  it('refuses negative timings and a read before delivery, as a typed error naming the option', () => {
    const negative = thrown(() =>
      resolveSettings({ statusTimings: { deliveredAfterMs: -1, readAfterMs: 5 } }),
    );
    expect(negative).toBeInstanceOf(BroadcasterError);
    expect(negative).toMatchObject({
      code: 'sandbox_option_invalid',
      field: 'statusTimings.deliveredAfterMs',
      message: 'statusTimings.deliveredAfterMs: must be a non-negative number',
    });
    const backwards = thrown(() =>
      resolveSettings({ statusTimings: { deliveredAfterMs: 5, readAfterMs: 4 } }),
    );
    expect(backwards.field).toBe('statusTimings.readAfterMs');
    expect(thrown(() => resolveSettings({ whatsappDelayMs: Number.POSITIVE_INFINITY })).field).toBe(
      'whatsappDelayMs',
    );
    expect(thrown(() => resolveSettings({ mode: 'trial' as 'demo' })).field).toBe('mode');
  });

  it('drops the global and sticky flags of the unreachable-phone pattern, so every test of it answers alike', () => {
    const settings = resolveSettings({ unreachablePhonePattern: /^7999/giy });
    const pattern = settings.unreachablePhonePattern!;
    expect(pattern.flags).toBe('i');
    expect([pattern.test('79990001122'), pattern.test('79990001122')]).toEqual([true, true]);
  });

  it('copies the status timings, so changing the options object afterwards changes nothing', () => {
    const timings = { deliveredAfterMs: 1, readAfterMs: 2 };
    const settings = resolveSettings({ statusTimings: timings });
    timings.readAfterMs = 99;
    expect(settings.statusTimings.readAfterMs).toBe(2);
  });
});

describe('applyAdjustableOptions', () => {
  it('changes nothing when any one value is out of range', () => {
    const settings = resolveSettings({});
    const before = { ...settings };
    const error = thrown(() =>
      applyAdjustableOptions(settings, {
        requestsPerSecond: 5,
        mode: 'demo',
        webhooksApi: 'yes' as unknown as boolean,
      }),
    );
    expect(error.field).toBe('webhooksApi');
    expect(error.message).toBe('webhooksApi: must be true or false');
    expect(settings).toEqual(before);
  });

  it('clears the quota override with monthlyQuota given as undefined, and leaves it when absent', () => {
    const settings = resolveSettings({ mode: 'normal', monthlyQuota: 3 });
    expect(monthlyQuotaOf(settings)).toBe(3);
    applyAdjustableOptions(settings, { requestsPerSecond: 1 });
    expect(monthlyQuotaOf(settings)).toBe(3);
    applyAdjustableOptions(settings, { monthlyQuota: undefined });
    expect(monthlyQuotaOf(settings)).toBe(50_000);
    applyAdjustableOptions(settings, { mode: 'disabled' });
    expect(monthlyQuotaOf(settings)).toBe(0);
  });

  it('refuses an early-message policy other than hold or refuse', () => {
    const settings = resolveSettings({});
    const error = thrown(() => applyAdjustableOptions(settings, { whatsappEarlyMessage: 'queue' as 'hold' }));
    expect(error.message).toBe('whatsappEarlyMessage: must be "hold" or "refuse"');
  });
});

describe('parseAdjustableOptions', () => {
  it('refuses an unknown key naming it, so a typo is not silently ignored', () => {
    const error = thrown(() => parseAdjustableOptions({ requestPerSecond: 5 }));
    expect(error).toMatchObject({
      field: 'requestPerSecond',
      message: 'requestPerSecond: is not an adjustable option',
    });
    expect(thrown(() => parseAdjustableOptions({ whatsappDelayMs: 0 })).field).toBe('whatsappDelayMs');
  });

  it('reads a null monthlyQuota as clearing the override', () => {
    const options = parseAdjustableOptions({ monthlyQuota: null, mode: 'demo' });
    expect('monthlyQuota' in options).toBe(true);
    const settings = resolveSettings({ monthlyQuota: 7 });
    applyAdjustableOptions(settings, options);
    expect(monthlyQuotaOf(settings)).toBe(1000);
  });
});

describe('fault options', () => {
  it('keep only the known fields of a valid set', () => {
    const faults = { seed: 42, latencyMs: 0, hangRate: 0, serverErrorRate: 1, extra: 'ignored' };
    expect(validateFaultOptions(faults)).toEqual({ seed: 42, latencyMs: 0, hangRate: 0, serverErrorRate: 1 });
    expect(validateFaultOptions({})).toEqual({});
  });

  it('refuse rates outside 0..1, a fractional seed and a negative latency, naming the field', () => {
    expect(thrown(() => validateFaultOptions({ rateLimitRate: 1.01 })).message).toBe(
      'faults.rateLimitRate: must be a number from 0 to 1',
    );
    expect(thrown(() => validateFaultOptions({ dropConnectionRate: Number.NaN })).field).toBe(
      'faults.dropConnectionRate',
    );
    expect(thrown(() => validateFaultOptions({ seed: 1.5 })).field).toBe('faults.seed');
    expect(thrown(() => validateFaultOptions({ latencyMs: -1 })).field).toBe('faults.latencyMs');
  });

  it('from JSON refuse an unknown key and a value that is not a number', () => {
    expect(parseFaultOptions({ acceptThenDropRate: 0.5 })).toEqual({ acceptThenDropRate: 0.5 });
    expect(thrown(() => parseFaultOptions({ timeoutRate: 0.1 }))).toMatchObject({
      field: 'faults.timeoutRate',
      message: 'faults.timeoutRate: is not a fault option',
    });
    expect(thrown(() => parseFaultOptions({ hangRate: '0.5' })).message).toBe(
      'faults.hangRate: must be a number',
    );
  });
});
