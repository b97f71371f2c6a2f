import type { WhatsAppTemplate } from '../messages/whatsappTemplate.js';
import { formatDuration } from '../time/durations.js';
import type { CampaignDefinition } from './definition.js';

/**
 * A typed definition written back in the format users write (durations as text, times as ISO), for
 * definitions built in code rather than parsed: validateCampaignDefinition reads it back unchanged.
 */
export function campaignDocument(definition: CampaignDefinition): Record<string, unknown> {
  const document: Record<string, unknown> = {
    name: definition.name,
    kind: definition.kind,
    transport: definition.transport,
  };
  if (definition.channelId !== null) document.channelId = definition.channelId;
  if (definition.template) {
    document.template =
      'source' in definition.template ? definition.template.source : { file: definition.template.file };
  }
  if (definition.whatsappTemplate)
    document.whatsappTemplate = whatsappTemplateDocument(definition.whatsappTemplate);
  if (definition.attachment) document.attachment = definition.attachment;
  document.audience = definition.audience;
  if (definition.schedule) {
    document.schedule =
      'at' in definition.schedule
        ? { at: definition.schedule.at.toISOString() }
        : { cron: definition.schedule.cron, timezone: definition.schedule.timezone };
  }
  if (definition.missedTicks) document.missedTicks = definition.missedTicks;
  if (definition.kind === 'reminder')
    document.offsets = definition.offsets.map((s) => formatDuration(s, { signed: true }));
  if (definition.sendLateWithinMs !== null)
    document.sendLateWithin = formatDuration(definition.sendLateWithinMs / 1000);
  if (definition.outsideWindow) document.outsideWindow = definition.outsideWindow;
  if (definition.bookedLate) document.bookedLate = definition.bookedLate;
  if (definition.sendWindow) document.sendWindow = definition.sendWindow;
  if (definition.timezone !== null) document.timezone = definition.timezone;
  if (definition.rateLimitPerSecond !== null)
    document.rateLimit = { perSecond: definition.rateLimitPerSecond };
  document.purpose = definition.purpose;
  if (Object.keys(definition.variables).length > 0) document.variables = definition.variables;
  document.draft = definition.draft;
  return document;
}

/** The template as a user writes it: empty lists of variables left out. */
function whatsappTemplateDocument(template: WhatsAppTemplate): Record<string, unknown> {
  const document: Record<string, unknown> = { name: template.name, language: template.language };
  if (template.header) document.header = template.header;
  if (template.body.length > 0) document.body = template.body;
  if (template.buttons.length > 0) document.buttons = template.buttons;
  return document;
}
