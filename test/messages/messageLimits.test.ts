import { describe, expect, it } from 'vitest';
import {
  MAX_SMS_SEGMENTS,
  messageSize,
  messageTooLong,
  smsSegments,
} from '../../src/messages/messageLimits.js';

describe('messageSize and messageTooLong', () => {
  it('counts SMS segments as carriers do: 160 GSM-7 or 70 UCS-2 alone, 153 or 67 joined', () => {
    expect(smsSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', segments: 1, characters: 160 });
    expect(smsSegments('a'.repeat(161))).toEqual({ encoding: 'GSM-7', segments: 2, characters: 161 });
    expect(smsSegments('Привет'.repeat(12))).toEqual({ encoding: 'UCS-2', segments: 2, characters: 72 });
    // The euro sign is in GSM-7's extension table: it takes two places.
    expect(smsSegments('€'.repeat(80))).toEqual({ encoding: 'GSM-7', segments: 1, characters: 160 });
    expect(smsSegments('€'.repeat(81))).toEqual({ encoding: 'GSM-7', segments: 2, characters: 162 });
  });

  it(`holds an SMS to ${MAX_SMS_SEGMENTS} segments, whichever way it is counted`, () => {
    expect(messageTooLong('a'.repeat(1530), 'sms')).toBeNull();
    expect(messageTooLong('a'.repeat(1531), 'sms')).toEqual({
      reason: '11 SMS segments (GSM-7); at most 10',
      size: { length: 1531, limit: 10, sms: { encoding: 'GSM-7', segments: 11, characters: 1531 } },
    });
    expect(messageTooLong('П'.repeat(670), 'sms')).toBeNull();
    expect(messageTooLong('П'.repeat(671), 'sms')?.reason).toBe('11 SMS segments (UCS-2); at most 10');
    // Two-place characters are never split across segments: 76 of them a segment.
    expect(messageTooLong('€'.repeat(760), 'sms')).toBeNull();
    expect(messageTooLong('€'.repeat(761), 'sms')?.reason).toBe('11 SMS segments (GSM-7); at most 10');
  });

  it('holds other transports to their length in characters (not UTF-16 units)', () => {
    expect(messageTooLong('x'.repeat(4096), 'whatsapp')).toBeNull();
    expect(messageTooLong('😀'.repeat(4096), 'whatsapp')).toBeNull();
    expect(messageTooLong('x'.repeat(4097), 'whatsapp')?.reason).toBe('4097 characters; at most 4096');
    expect(messageTooLong('x'.repeat(7000), 'viber')).toBeNull();
    expect(messageTooLong('x'.repeat(2001), 'facebook')?.reason).toBe('2001 characters; at most 2000');
    expect(messageSize('Привет', 'telegram')).toEqual({ length: 6, limit: 4096 });
  });
});
