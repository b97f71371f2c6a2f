import { SegmentedMessage } from 'sms-segments-calculator';

/**
 * How long one message may be on each transport. WhatsApp, Telegram and VK take 4,096 characters,
 * Viber 7,000, Facebook Messenger 2,000; an SMS is sent as segments (160 GSM-7 or 70 UCS-2
 * characters alone, 153 or 67 each when joined) and is held to ten of them, which carriers still
 * join into one message.
 */
export const MAX_MESSAGE_CHARS: Readonly<Record<string, number>> = {
  whatsapp: 4096,
  telegram: 4096,
  vkontakte: 4096,
  viber: 7000,
  facebook: 2000,
};
export const MAX_SMS_SEGMENTS = 10;

export interface SmsSegments {
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
  /** Characters as the encoding counts them (GSM-7's extension characters count twice). */
  characters: number;
}

export interface MessageSize {
  /** Characters (code points). */
  length: number;
  /** The transport's limit, in characters; for SMS, in segments. */
  limit: number;
  /** SMS only: how the message is split. */
  sms?: SmsSegments;
}

/** Counted by Twilio's segment calculator (sms-segments-calculator), as carriers count. */
export function smsSegments(text: string): SmsSegments {
  const message = new SegmentedMessage(text);
  return {
    encoding: message.encodingName === 'GSM-7' ? 'GSM-7' : 'UCS-2',
    segments: message.segmentsCount,
    characters: message.numberOfCharacters,
  };
}

export function messageSize(text: string, transport: string): MessageSize {
  const length = [...text].length;
  if (transport === 'sms') return { length, limit: MAX_SMS_SEGMENTS, sms: smsSegments(text) };
  return { length, limit: MAX_MESSAGE_CHARS[transport] ?? 4096 };
}

/**
 * Up to this many UTF-16 units an SMS is ten segments at most in either encoding (UCS-2: 67 a
 * segment; GSM-7: 153 septets, and no character takes more than two): the worker then skips the
 * exact count, which costs tenths of a millisecond a message.
 */
const SMS_SURELY_FITS = MAX_SMS_SEGMENTS * 67;

/** Why a message is too long for its transport (with its size), or null; cheap for the usual message. */
export function messageTooLong(
  text: string,
  transport: string,
): { reason: string; size: MessageSize } | null {
  if (transport === 'sms' && text.length <= SMS_SURELY_FITS) return null;
  const size = messageSize(text, transport);
  const reason = sizeOverLimit(size);
  return reason === null ? null : { reason, size };
}

function sizeOverLimit(size: MessageSize): string | null {
  if (size.sms) {
    return size.sms.segments > size.limit
      ? `${size.sms.segments} SMS segments (${size.sms.encoding}); at most ${size.limit}`
      : null;
  }
  return size.length > size.limit ? `${size.length} characters; at most ${size.limit}` : null;
}
