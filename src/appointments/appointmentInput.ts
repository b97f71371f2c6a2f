import { BroadcasterError } from '../errors.js';
import { isIanaTimeZone } from '../time/timeZones.js';

export const APPOINTMENT_STATUSES = ['booked', 'cancelled', 'rescheduled'] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

/** An appointment as a caller (API, CSV import) gives it; `externalId` is the caller's own id. */
export interface AppointmentInput {
  externalId: string;
  /** Digits with the country code, already normalised (see normalisePhone). */
  phone: string;
  startsAt: Date;
  /** The appointment's own IANA zone: for contacts without one, template dates and send windows read in it. */
  timezone?: string | null;
  status?: AppointmentStatus;
  /** Template variables, seen as `appointment.<name>`. */
  attributes?: Record<string, unknown>;
  /** Name for a contact the appointment creates (an existing contact's name is filled only when empty). */
  contactName?: string | null;
}

export interface AppointmentInputIssue {
  /** Position in the batch given to upsertAppointments. */
  index: number;
  externalId: string | null;
  field: keyof AppointmentInput;
  message: string;
}

/** Appointments that cannot be stored; nothing of the batch was. */
export class AppointmentInputError extends BroadcasterError {
  constructor(readonly issues: AppointmentInputIssue[]) {
    const first = issues[0];
    const where = first
      ? `appointment ${first.externalId?.trim() ? first.externalId : `#${first.index + 1}`}: ${first.field} ${first.message}`
      : '';
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super('appointment_invalid', `invalid appointment: ${where}${more}`, { issues });
  }
}

const PHONE_DIGITS = /^[0-9]{7,15}$/;
const MAX_EXTERNAL_ID_LENGTH = 200;

/** Every problem of a batch at once; the importer and the API validate first, this guards the table. */
export function appointmentInputIssues(inputs: readonly AppointmentInput[]): AppointmentInputIssue[] {
  const issues: AppointmentInputIssue[] = [];
  inputs.forEach((input, index) => {
    const externalId = typeof input.externalId === 'string' ? input.externalId : null;
    const add = (field: keyof AppointmentInput, message: string) =>
      issues.push({ index, externalId, field, message });
    if (externalId === null || externalId.trim() === '') add('externalId', 'is required');
    else if (externalId.length > MAX_EXTERNAL_ID_LENGTH)
      add('externalId', `is longer than ${MAX_EXTERNAL_ID_LENGTH} characters`);
    if (typeof input.phone !== 'string' || !PHONE_DIGITS.test(input.phone))
      add('phone', 'must be 7 to 15 digits with the country code');
    if (!(input.startsAt instanceof Date) || Number.isNaN(input.startsAt.getTime()))
      add('startsAt', 'must be a valid time');
    if (input.timezone !== undefined && input.timezone !== null && !isIanaTimeZone(input.timezone))
      add('timezone', `${JSON.stringify(input.timezone)} is not an IANA time zone`);
    if (input.status !== undefined && !APPOINTMENT_STATUSES.includes(input.status))
      add('status', `must be one of ${APPOINTMENT_STATUSES.join(', ')}`);
    const attributes = input.attributes;
    if (
      attributes !== undefined &&
      (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes))
    )
      add('attributes', 'must be an object of template variables');
  });
  return issues;
}
