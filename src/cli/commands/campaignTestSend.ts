import { sendTestMessage, type TestSendResult } from '../../campaigns/testSend.js';
import { systemClock } from '../../clock.js';
import type { Database } from '../../db/database.js';
import { BroadcasterError } from '../../errors.js';
import { openChat2DeskAccess } from '../../roles/chat2deskAccess.js';
import { formatInZone } from '../campaignViews.js';
import { type CommandContext, printJson } from '../context.js';

/** No Chat2Desk to send through: a test message to the built-in sandbox would reach nobody. */
export class TestSendNeedsTokenError extends BroadcasterError {
  constructor() {
    super(
      'test_send_unavailable',
      'test-send needs CHAT2DESK_TOKEN (and CHAT2DESK_API_URL for a sandbox started with `broadcaster sandbox`)',
    );
  }
}

/**
 * `campaign test-send ID --phone P`: the campaign's message, composed for that known contact as the worker
 * composes it, sent to it now through Chat2Desk (src/campaigns/testSend.ts, as the console's test message),
 * behind the same rate limit and quota as the engine.
 */
export async function testSend(
  ctx: CommandContext,
  db: Database,
  campaignId: number,
  phone: string,
  options: { json: boolean },
): Promise<void> {
  const { config } = ctx;
  if (!config.chat2desk.token) throw new TestSendNeedsTokenError();
  const access = await openChat2DeskAccess({
    config,
    clock: systemClock,
    logger: ctx.logger,
    db,
    sandbox: undefined,
    addStop: (stop) => ctx.onExit(stop),
  });
  // The quota is known once api_info has been read; the engine reads it at start, a lone command here.
  const info = await access.gate.callBeforeQuotaIsKnown(() => access.client.getApiInfo());
  await access.quota.syncFromApiInfo(info);
  let sent: TestSendResult;
  try {
    sent = await sendTestMessage(
      {
        sql: db.sql,
        client: access.client,
        gate: access.gate,
        clock: systemClock,
        whatsappDelayMs: config.whatsappNewClientDelayMs,
        phoneRegion: config.phoneRegion,
        defaultTimezone: config.defaultTimezone,
      },
      campaignId,
      phone,
    );
  } catch (error) {
    throw withRetryHint(error, campaignId, phone, config.defaultTimezone);
  }
  if (options.json) return printJson(ctx.stdout, sent);
  ctx.stdout.write(`${formatTestSend(sent)}\n`);
}

/** What went, to whom and how, as a person reads it. */
export function formatTestSend(sent: TestSendResult): string {
  const message = sent.messageId === null ? '' : `, message ${sent.messageId}`;
  const lines = [
    `Sent campaign ${sent.campaignId}'s message to +${sent.phone} on ${sent.transport} ` +
      `(Chat2Desk client ${sent.chat2deskClientId}${message}):`,
    '',
    sent.text === '' ? '(no text: the attachment alone)' : sent.text,
  ];
  if (sent.attachment) lines.push('', `Attachment: ${sent.attachment}`);
  return lines.join('\n');
}

/** A WhatsApp client created just now: say when the message may go, and how to send it then. */
function withRetryHint(error: unknown, campaignId: number, phone: string, zone: string): unknown {
  if (!(error instanceof BroadcasterError) || error.code !== 'whatsapp_delay') return error;
  const retryAt = new Date(String(error.details.retryAt));
  return new BroadcasterError(
    'whatsapp_delay',
    `not sent: +${String(error.details.phone)} is a new WhatsApp client, and Chat2Desk takes messages to it ` +
      `from ${formatInZone(retryAt, zone)} (${retryAt.toISOString()}); run ` +
      `\`broadcaster campaign test-send ${campaignId} --phone ${phone}\` again then`,
    error.details,
  );
}
