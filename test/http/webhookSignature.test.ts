import { describe, expect, it } from 'vitest';
import {
  SIGNATURE_MAX_AGE_MS,
  verifyWebhookSignature,
  webhookSignature,
} from '../../src/http/webhookSignature.js';

const TOKEN = 'live-token';
const BODY = '{"a":1}';
/** 2026-11-26T07:00:00Z in Unix seconds, as Chat2Desk sends X-Timestamp. */
const STAMP = '1795676400';
const NOW = new Date('2026-11-26T07:00:00.000Z');
/** hex HMAC-SHA256(body + timestamp) keyed with hex MD5("live-token"), computed apart from the code. */
const SIGNED = '54833cb09611bfa4f9c22bb97cce74d5b8d4a564e9559370b9e530c3f6465c02';

describe('webhookSignature', () => {
  it('is the hex HMAC-SHA256 of body and timestamp, keyed with the hex MD5 of the token', () => {
    expect(webhookSignature(BODY, STAMP, TOKEN)).toBe(SIGNED);
  });

  it('changes with the body, the timestamp and the token', () => {
    const others = [
      webhookSignature('{"a":2}', STAMP, TOKEN),
      webhookSignature(BODY, '1795676401', TOKEN),
      webhookSignature(BODY, STAMP, 'other-token'),
    ];
    for (const other of others) expect(other).not.toBe(SIGNED);
  });
});

describe('verifyWebhookSignature', () => {
  it('accepts a delivery signed with the token, in either case of hex and with spaces around it', () => {
    expect(verifyWebhookSignature(BODY, STAMP, SIGNED, TOKEN, NOW)).toEqual({ ok: true });
    expect(verifyWebhookSignature(BODY, STAMP, ` ${SIGNED.toUpperCase()} `, TOKEN, NOW)).toEqual({
      ok: true,
    });
  });

  it('refuses a delivery whose body, timestamp or key differs from what was signed', () => {
    const invalid = {
      ok: false,
      code: 'signature_invalid',
      message: 'the X-Signature does not match the body',
    };

    expect(verifyWebhookSignature('{"a":2}', STAMP, SIGNED, TOKEN, NOW)).toEqual(invalid);
    expect(verifyWebhookSignature(BODY, '1795676401', SIGNED, TOKEN, NOW)).toEqual(invalid);
    expect(verifyWebhookSignature(BODY, STAMP, SIGNED, 'other-token', NOW)).toEqual(invalid);
  });

  it('refuses a signature that is not 64 hex digits without throwing', () => {
    for (const signature of ['', 'abc', `${SIGNED}00`, 'z'.repeat(64), SIGNED.slice(0, 63)]) {
      expect(verifyWebhookSignature(BODY, STAMP, signature, TOKEN, NOW), signature).toMatchObject({
        ok: false,
        code: 'signature_invalid',
      });
    }
  });

  it('needs the X-Timestamp header', () => {
    for (const timestamp of [undefined, '', '   ']) {
      expect(verifyWebhookSignature(BODY, timestamp, SIGNED, TOKEN, NOW)).toEqual({
        ok: false,
        code: 'signature_invalid',
        message: 'a signed web hook needs its X-Timestamp header',
      });
    }
  });

  it('takes a timestamp in seconds, milliseconds or ISO with an offset, within five minutes either way', () => {
    const sign = (stamp: string) => webhookSignature(BODY, stamp, TOKEN);
    const accepted = [
      '1795676400000',
      '2026-11-26T07:00:00Z',
      '2026-11-26T10:00:00+03:00',
      '2026-11-26T10:00:00+0300',
      String(1795676400 + 300),
      String(1795676400 - 300),
    ];
    for (const stamp of accepted) {
      expect(verifyWebhookSignature(BODY, stamp, sign(stamp), TOKEN, NOW), stamp).toEqual({ ok: true });
    }
  });

  it('refuses as a replay a delivery signed more than five minutes from now, either way', () => {
    expect(SIGNATURE_MAX_AGE_MS).toBe(300_000);
    for (const stamp of [String(1795676400 - 301), String(1795676400 + 301), '2026-11-26T06:54:59.999Z']) {
      expect(
        verifyWebhookSignature(BODY, stamp, webhookSignature(BODY, stamp, TOKEN), TOKEN, NOW),
        stamp,
      ).toEqual({
        ok: false,
        code: 'signature_expired',
        message: 'the X-Timestamp is more than 5 minutes away from now: a replay',
      });
    }
  });

  it('refuses, after a matching signature, a timestamp that is not a time or has no offset', () => {
    for (const stamp of ['yesterday', '2026-11-26T07:00:00', '2026-13-45T07:00:00Z', '12345678901234567']) {
      expect(
        verifyWebhookSignature(BODY, stamp, webhookSignature(BODY, stamp, TOKEN), TOKEN, NOW),
        stamp,
      ).toEqual({
        ok: false,
        code: 'signature_invalid',
        message: 'the X-Timestamp is not a time',
      });
    }
  });
});
