import { CAMPAIGN_RATE_RANGE } from '../../campaigns/definition.js';

/**
 * The campaign format of PRODUCT.md as JSON Schema, for the OpenAPI document only: requests are
 * validated by validateCampaignDefinition, which reports every problem at its path in one pass and
 * knows what a schema cannot say (a past `at`, a cron that never fires, a template that won't compile).
 */
export const campaignDocumentSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'kind', 'transport'],
  properties: {
    name: { type: 'string' },
    kind: { type: 'string', enum: ['broadcast', 'reminder'] },
    transport: { type: 'string', enum: ['whatsapp', 'viber', 'sms', 'telegram', 'vkontakte', 'facebook'] },
    channelId: { type: 'integer', minimum: 1, maximum: 2_147_483_647 },
    template: {
      description: 'Inline Handlebars source, or {"file": "name.hbs"} from templates/',
      oneOf: [
        { type: 'string' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['file'],
          properties: { file: { type: 'string' } },
        },
      ],
    },
    whatsappTemplate: {
      description:
        "An approved WhatsApp template, sent as Chat2Desk's @HSM@ markup (whatsapp only; instead of `template`). " +
        'Each variable is Handlebars over the contact, as strict as `template`.',
      type: 'object',
      additionalProperties: false,
      required: ['name', 'language'],
      properties: {
        name: { type: 'string', example: 'order_ready' },
        language: { type: 'string', example: 'ru' },
        header: {
          description:
            '{"type": "text", "text": "..."} or {"type": "image"|"document"|"video"} (the file is `attachment`)',
          type: 'object',
          properties: {
            type: { type: 'string', enum: ['text', 'image', 'document', 'video'] },
            text: { type: 'string' },
          },
        },
        body: { type: 'array', items: { type: 'string' }, description: 'The body variables {{1}}, {{2}}…' },
        buttons: { type: 'array', items: { type: 'string' }, description: 'The buttons’ variables' },
      },
    },
    attachment: {
      description: 'A file sent with each message (image, PDF, video, audio) by its http(s) URL',
      type: 'string',
      format: 'uri',
    },
    audience: {
      description:
        '{"list": "<list name>"} or {"all": true}, with an optional "where" segment filter ' +
        '(e.g. city = "Moscow" and consent = opted_in); required for a broadcast',
      type: 'object',
      additionalProperties: false,
      properties: {
        list: { type: 'string' },
        all: { type: 'boolean', enum: [true] },
        where: { type: 'string', description: 'A segment filter: see GET /segments/count' },
      },
    },
    schedule: {
      description:
        'A broadcast: {"at": ISO time} once, or {"cron": "0 10 * * MON", "timezone": "Europe/Moscow"}',
      type: 'object',
      additionalProperties: false,
      properties: {
        at: { type: 'string', format: 'date-time' },
        cron: { type: 'string' },
        timezone: { type: 'string' },
      },
    },
    missedTicks: {
      description:
        'A recurring (cron) broadcast: on resume, skip the ticks missed while paused (default) or run the latest at once',
      type: 'string',
      enum: ['skip', 'runLatest'],
    },
    offsets: {
      description: 'A reminder: when to send relative to each appointment, e.g. ["-24h", "-2h"]',
      type: 'array',
      items: { type: 'string' },
    },
    sendLateWithin: { type: 'string', description: 'A reminder: how late it may still go out, e.g. "1h"' },
    outsideWindow: {
      type: 'string',
      enum: ['auto', 'earlier', 'wait'],
      description:
        'A reminder planned outside sendWindow: wait for it, go at its last minute before the planned time (earlier), or auto (default: wait when the window opens before the appointment, else earlier)',
    },
    bookedLate: {
      type: 'string',
      enum: ['sendNow', 'skip'],
      description:
        "An appointment booked after a reminder's time: sendNow (default) sends one catch-up (the latest missed, unless a later reminder is still ahead), skip sends none; the others are skipped booked_late",
    },
    sendWindow: {
      description: "In the contact's time zone; a message due outside it waits for it to open",
      type: 'object',
      additionalProperties: false,
      required: ['from', 'to'],
      properties: {
        from: { type: 'string', example: '09:00' },
        to: { type: 'string', example: '21:00' },
        days: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 7 } },
      },
    },
    timezone: { type: 'string', description: 'IANA zone for contacts without one' },
    rateLimit: {
      type: 'object',
      additionalProperties: false,
      properties: {
        perSecond: { type: 'number', minimum: CAMPAIGN_RATE_RANGE.min, maximum: CAMPAIGN_RATE_RANGE.max },
      },
    },
    purpose: {
      type: 'string',
      enum: ['marketing', 'transactional'],
      description:
        'marketing (default for broadcasts): only contacts with a recorded opt-in; transactional (default for ' +
        'reminders): no opt-in needed. An opt-out stops both.',
    },
    requireOptIn: {
      type: 'boolean',
      description: 'The older way to say purpose: true = marketing, false = transactional',
    },
    variables: {
      type: 'object',
      description: 'Template values of the campaign, the same for every recipient: {"endsAt": "2026-11-30"}',
      additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
    },
    draft: { type: 'boolean', default: false },
  },
} as const;
