import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Chat2Desk signs newer web hook deliveries (REFERENCE.md, "What is known of the live service"):
 * `X-Signature` = hex HMAC-SHA256 of the raw body followed by the `X-Timestamp` header, keyed with
 * the hex MD5 of the API token. The timestamp is part of what is signed, so a captured delivery
 * replayed later is refused by its age rather than by a guess at its content.
 */
export const SIGNATURE_MAX_AGE_MS = 5 * 60 * 1000;

export type WebhookSignatureCheck =
  | { ok: true }
  | { ok: false; code: 'signature_invalid' | 'signature_expired'; message: string };

/** The signature Chat2Desk would send for this body and timestamp. */
export function webhookSignature(rawBody: string, timestamp: string, chat2deskToken: string): string {
  const key = createHash('md5').update(chat2deskToken).digest('hex');
  return createHmac('sha256', key)
    .update(rawBody + timestamp)
    .digest('hex');
}

/**
 * Checks a signed delivery: the signature (compared in constant time) and the timestamp, which must
 * lie within five minutes of `now` either way (the injected clock's, not the machine's).
 */
export function verifyWebhookSignature(
  rawBody: string,
  timestamp: string | undefined,
  signature: string,
  chat2deskToken: string,
  now: Date = new Date(),
): WebhookSignatureCheck {
  if (timestamp === undefined || timestamp.trim() === '') {
    return refuse('signature_invalid', 'a signed web hook needs its X-Timestamp header');
  }
  const expected = Buffer.from(webhookSignature(rawBody, timestamp, chat2deskToken), 'hex');
  const given = /^[0-9a-f]{64}$/i.test(signature.trim()) ? Buffer.from(signature.trim(), 'hex') : null;
  // Compared even when the given text is malformed, against itself, so the time taken says nothing.
  const same = timingSafeEqual(expected, given ?? expected) && given !== null;
  if (!same) return refuse('signature_invalid', 'the X-Signature does not match the body');
  const at = timestampMs(timestamp.trim());
  if (at === null) return refuse('signature_invalid', 'the X-Timestamp is not a time');
  if (Math.abs(now.getTime() - at) > SIGNATURE_MAX_AGE_MS) {
    return refuse('signature_expired', 'the X-Timestamp is more than 5 minutes away from now: a replay');
  }
  return { ok: true };
}

/** Unix seconds (what Chat2Desk sends), milliseconds, or an ISO time with its offset. */
function timestampMs(text: string): number | null {
  if (/^\d{1,16}$/.test(text)) {
    const value = Number(text);
    return value >= 1e12 ? value : value * 1000;
  }
  if (!/(Z|[+-]\d\d:?\d\d)$/i.test(text)) return null;
  const parsed = Date.parse(text);
  return Number.isNaN(parsed) ? null : parsed;
}

function refuse(code: 'signature_invalid' | 'signature_expired', message: string): WebhookSignatureCheck {
  return { ok: false, code, message };
}
