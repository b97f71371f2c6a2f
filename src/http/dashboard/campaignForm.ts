import { instantsAtWallClock, isIanaTimeZone, wallClockAt } from '../../time/timeZones.js';

/**
 * The campaign editor's form: its fields as the browser posts them (text), turned into the campaign
 * document the API and the CLI take — so one validator judges all three — and back, for editing.
 */
export interface CampaignForm {
  name: string;
  kind: string;
  transport: string;
  channelId: string;
  purpose: string;
  /** A list's name; `*` for every contact; '' for none chosen (a reminder then reaches everyone). */
  list: string;
  /** A segment filter narrowing the audience (audience.where); '' for none. */
  where: string;
  template: string;
  /** `at` (once), `cron` (repeating); reminders have none. */
  scheduleMode: string;
  /** A wall-clock time in `timezone`, as <input type="datetime-local"> gives it: 2026-11-27T10:00. */
  at: string;
  cron: string;
  timezone: string;
  /** Reminder offsets, comma-separated: -24h, -2h. */
  offsets: string;
  windowFrom: string;
  windowTo: string;
  perSecond: string;
  /**
   * What the document says that the form has no field for (a template file, a WhatsApp template, an
   * attachment, campaign variables, sendLateWithin, outsideWindow, bookedLate, the send window's days), as JSON: carried through
   * an edit or a copy untouched, so saving the form loses none of it.
   */
  kept: string;
}

/** The document's fields the form does not show, and keeps as they are. */
const KEPT_FIELDS = [
  'whatsappTemplate',
  'attachment',
  'variables',
  'sendLateWithin',
  'outsideWindow',
  'bookedLate',
] as const;

export const CAMPAIGN_FORM_FIELDS = [
  'name',
  'kind',
  'transport',
  'channelId',
  'purpose',
  'list',
  'where',
  'template',
  'scheduleMode',
  'at',
  'cron',
  'timezone',
  'offsets',
  'windowFrom',
  'windowTo',
  'perSecond',
  'kept',
] as const satisfies readonly (keyof CampaignForm)[];

export type CampaignFormField = (typeof CAMPAIGN_FORM_FIELDS)[number];

/** The form a new campaign starts from. */
export function blankCampaignForm(timezone: string): CampaignForm {
  return {
    name: '',
    kind: 'broadcast',
    transport: 'whatsapp',
    channelId: '',
    purpose: 'marketing',
    list: '',
    where: '',
    template: 'Hi {{name}}!',
    scheduleMode: 'at',
    at: '',
    cron: '',
    timezone,
    offsets: '-24h, -2h',
    windowFrom: '09:00',
    windowTo: '21:00',
    perSecond: '',
    kept: '',
  };
}

/** The form's fields from a posted body; missing ones are ''. Values are cut at 100,000 characters. */
export function campaignFormFrom(body: URLSearchParams): CampaignForm {
  const form = {} as CampaignForm;
  for (const field of CAMPAIGN_FORM_FIELDS) form[field] = (body.get(field) ?? '').slice(0, 100_000);
  return form;
}

const LOCAL_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * A wall-clock time in a zone as an ISO time with its offset (what `schedule.at` takes), or the
 * text as given when it is not one (the validator then says what is wrong with it). A time the
 * clocks skip (spring forward) has no instant: it is left as given too, and refused.
 */
export function instantText(local: string, timezone: string): string {
  const match = LOCAL_TIME.exec(local.trim());
  if (!match || !isIanaTimeZone(timezone)) return local;
  const [y, mo, d, h, mi, s] = match.slice(1).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [instant] = instantsAtWallClock(Date.UTC(y, mo - 1, d, h, mi, s), timezone);
  return instant === undefined ? local : new Date(instant).toISOString();
}

/** The document the form describes: always a draft (publishing is its own step). */
export function campaignDocument(form: CampaignForm): Record<string, unknown> {
  const reminder = form.kind === 'reminder';
  const doc: Record<string, unknown> = {
    name: form.name.trim(),
    kind: form.kind,
    transport: form.transport,
    purpose: form.purpose,
    template: form.template,
    draft: true,
  };
  if (form.channelId.trim() !== '') doc.channelId = numberOr(form.channelId);
  const where = form.where.trim() === '' ? {} : { where: form.where.trim() };
  if (form.list === '*') doc.audience = { all: true, ...where };
  else if (form.list !== '') doc.audience = { list: form.list, ...where };
  else if ('where' in where) doc.audience = where;
  if (form.timezone !== '') doc.timezone = form.timezone;
  if (reminder) {
    doc.offsets = form.offsets
      .split(',')
      .map((offset) => offset.trim())
      .filter(Boolean);
  } else if (form.scheduleMode === 'cron') {
    doc.schedule = { cron: form.cron.trim() };
  } else {
    doc.schedule = { at: instantText(form.at, form.timezone) };
  }
  if (form.windowFrom !== '' || form.windowTo !== '')
    doc.sendWindow = { from: form.windowFrom, to: form.windowTo };
  if (form.perSecond.trim() !== '') doc.rateLimit = { perSecond: numberOr(form.perSecond) };
  const kept = keptFields(form.kept);
  for (const field of KEPT_FIELDS) if (kept[field] !== undefined) doc[field] = kept[field];
  // A template file, or a WhatsApp template, stands when the message box is left empty.
  if (form.template.trim() === '') {
    if (kept.template !== undefined) doc.template = kept.template;
    else if (kept.whatsappTemplate !== undefined || kept.attachment !== undefined) delete doc.template;
  }
  if (Array.isArray(kept.sendWindowDays) && doc.sendWindow) {
    doc.sendWindow = { ...(doc.sendWindow as object), days: kept.sendWindowDays };
  }
  return doc;
}

/** The kept fields of a form, read from its JSON; nothing when there is none or it is not JSON. */
function keptFields(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** The names of the fields a form keeps without showing them, for the editor to say so. */
export function keptFieldNames(form: CampaignForm): string[] {
  const kept = keptFields(form.kept);
  return Object.keys(kept).map((key) => (key === 'sendWindowDays' ? 'sendWindow.days' : key));
}

/** A number when the text is one, else the text itself (for the validator to name). */
function numberOr(text: string): number | string {
  const trimmed = text.trim();
  return /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A stored campaign's document as the form shows it for editing. */
export function campaignFormOf(doc: Record<string, unknown>, defaultTimezone: string): CampaignForm {
  const text = (value: unknown) =>
    typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
  const object = (value: unknown) =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  const schedule = object(doc.schedule);
  const window = object(doc.sendWindow);
  const timezone = text(doc.timezone) || text(schedule.timezone) || defaultTimezone;
  const template = object(doc.template);
  let at = '';
  const when = typeof schedule.at === 'string' ? Date.parse(schedule.at) : Number.NaN;
  if (!Number.isNaN(when) && isIanaTimeZone(timezone)) {
    const w = wallClockAt(when, timezone);
    at = `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
  }
  const purpose =
    text(doc.purpose) ||
    (doc.requireOptIn === false ? 'transactional' : doc.kind === 'reminder' ? 'transactional' : 'marketing');
  return {
    name: text(doc.name),
    kind: text(doc.kind) || 'broadcast',
    transport: text(doc.transport),
    channelId: text(doc.channelId),
    purpose,
    list: object(doc.audience).all === true ? '*' : text(object(doc.audience).list),
    where: text(object(doc.audience).where),
    template: typeof doc.template === 'string' ? doc.template : text(template.source),
    scheduleMode: schedule.cron !== undefined ? 'cron' : 'at',
    at,
    cron: text(schedule.cron),
    timezone,
    offsets: Array.isArray(doc.offsets)
      ? doc.offsets.map(text).join(', ')
      : blankCampaignForm(timezone).offsets,
    windowFrom: text(window.from),
    windowTo: text(window.to),
    perSecond: text(object(doc.rateLimit).perSecond),
    kept: keptOf(doc),
  };
}

/** The JSON of what the document says and the form has no field for. */
function keptOf(doc: Record<string, unknown>): string {
  const kept: Record<string, unknown> = {};
  for (const field of KEPT_FIELDS) if (doc[field] !== undefined) kept[field] = doc[field];
  if (typeof doc.template === 'object' && doc.template !== null && 'file' in doc.template)
    kept.template = doc.template;
  const days = (doc.sendWindow as Record<string, unknown> | undefined)?.days;
  if (Array.isArray(days)) kept.sendWindowDays = days;
  return Object.keys(kept).length ? JSON.stringify(kept) : '';
}

/**
 * The form field a validator issue belongs to (`schedule.at` → at, `offsets[1]` → offsets), or
 * null for one that concerns the campaign as a whole.
 */
export function formFieldOfIssue(path: string): CampaignFormField | null {
  const head = path.replace(/\[\d+\]/g, '');
  const exact: Record<string, CampaignFormField> = {
    name: 'name',
    kind: 'kind',
    transport: 'transport',
    channelId: 'channelId',
    purpose: 'purpose',
    requireOptIn: 'purpose',
    audience: 'list',
    'audience.list': 'list',
    'audience.where': 'where',
    template: 'template',
    'template.source': 'template',
    'schedule.at': 'at',
    'schedule.cron': 'cron',
    'schedule.timezone': 'timezone',
    timezone: 'timezone',
    schedule: 'scheduleMode',
    offsets: 'offsets',
    'sendWindow.from': 'windowFrom',
    'sendWindow.to': 'windowTo',
    sendWindow: 'windowFrom',
    rateLimit: 'perSecond',
    'rateLimit.perSecond': 'perSecond',
  };
  return exact[head] ?? null;
}
