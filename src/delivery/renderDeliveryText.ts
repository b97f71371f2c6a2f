import { buildTemplateContext, compileTemplate, type RenderResult } from '../campaigns/template.js';
import type { ClaimedAppointment, ClaimedDelivery } from './sql/claimDueDeliveries.js';

/**
 * The message of one delivery: its campaign's template with the contact's variables, the campaign's
 * name and, for a reminder, its appointment; dates read in `timeZone` (the recipient's).
 */
export function renderDeliveryText(d: ClaimedDelivery, timeZone: string): RenderResult {
  return compileTemplate(d.templateSource).render(
    buildTemplateContext(
      { phone: d.phone, name: d.contactName, timezone: d.contactTimezone, attributes: d.attributes ?? {} },
      {
        campaign: { name: d.campaignName },
        timezone: timeZone,
        ...(d.appointment ? { appointment: appointmentTemplateValues(d.appointment) } : {}),
      },
    ),
  );
}

/** What a reminder's template sees as `appointment`: its attributes, its start (ISO), external id and zone. */
function appointmentTemplateValues(appointment: ClaimedAppointment): Record<string, unknown> {
  return {
    ...appointment.attributes,
    startsAt: appointment.startsAt.toISOString(),
    externalId: appointment.externalId,
    timezone: appointment.timezone,
  };
}
