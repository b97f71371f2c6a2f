import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { listAppointments } from '../../appointments/appointments.js';
import { systemClock } from '../../clock.js';
import { contactDeliveries } from '../../contacts/contactDeliveries.js';
import { type Contact, deleteContact, getContact, listContacts } from '../../contacts/contacts.js';
import { writeContactsCsv } from '../../contacts/contactsCsvExport.js';
import type { Database } from '../../db/database.js';
import { optOutContact } from '../../delivery/optOut.js';
import { type ContactList, getListByName, ListNotFoundError } from '../../lists/lists.js';
import { parseCommandArgs, UsageError } from '../args.js';
import { findContactArgument } from '../contactArgument.js';
import { type CommandContext, printJson } from '../context.js';
import { openDatabase } from '../database.js';
import { pageFooter, pagingOptions } from '../paging.js';
import { exactPositionals } from '../positionals.js';
import { formatFields, formatTable } from '../table.js';

/** Messages and appointments `contacts show` lists: the latest, as the console's contact page starts. */
const RECENT = 10;
/** What an opt-out from the command line records as its reason when none is given. */
const DEFAULT_OPT_OUT_REASON = 'command line';

export async function listContactsCommand(argv: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, {
    list: { type: 'string' },
    search: { type: 'string' },
    limit: { type: 'string' },
    offset: { type: 'string' },
  });
  exactPositionals('contacts list', positionals, []);
  const paging = pagingOptions(values);
  const search = nonEmpty('search', values.search);
  const db = await openDatabase(ctx);
  const list = await existingList(db, values.list);
  const found = await listContacts(db, {
    ...paging,
    ...(list === undefined ? {} : { list: list.name }),
    ...(search === undefined ? {} : { search }),
    phoneRegion: ctx.config.phoneRegion,
  });
  if (values.json) return printJson(ctx.stdout, { ...found, ...paging });
  const rows = found.items.map((c) => [
    c.id,
    `+${c.phone}`,
    c.name,
    c.timezone,
    c.consent,
    c.lists.join(', '),
  ]);
  const table = rows.length
    ? `${formatTable([{ header: 'ID', align: 'right' }, 'PHONE', 'NAME', 'TIMEZONE', 'CONSENT', 'LISTS'], rows)}\n\n`
    : '';
  ctx.stdout.write(
    `${table}${pageFooter('contacts', { offset: paging.offset, shown: rows.length, total: found.total })}\n`,
  );
}

export async function showContactCommand(argv: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, {});
  const [which] = exactPositionals('contacts show', positionals, ['PHONE|ID']);
  const db = await openDatabase(ctx);
  const contact = await findContactArgument(db, which!, ctx.config.phoneRegion);
  const [appointments, messages] = await Promise.all([
    listAppointments(db, { contactId: contact.id, limit: RECENT, offset: 0 }),
    contactDeliveries(db.sql, contact.id, { limit: RECENT, offset: 0 }),
  ]);
  if (values.json) {
    return printJson(ctx.stdout, {
      contact,
      appointments: appointments.items,
      recentMessages: messages,
    });
  }
  const sections = [
    formatFields([
      ['Contact', contact.id],
      ['Phone', `+${contact.phone}`],
      ['Name', contact.name],
      ['Time zone', contact.timezone ?? 'none (send windows are read in the campaign zone, else UTC)'],
      ['Consent', consentText(contact)],
      ['Lists', contact.lists.join(', ')],
      ['Created', contact.createdAt],
    ]),
  ];
  const attributes = Object.entries(contact.attributes);
  sections.push(
    attributes.length
      ? `Attributes:\n${indent(formatFields(attributes.map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : (v as string)])))}`
      : 'Attributes: none',
  );
  sections.push(
    appointments.total
      ? `Appointments (${appointments.total}${appointments.total > RECENT ? `, the first ${RECENT}` : ''}):\n${indent(
          formatTable(
            [{ header: 'ID', align: 'right' }, 'EXTERNAL ID', 'STARTS AT', 'STATUS'],
            appointments.items.map((a) => [a.id, a.externalId, a.startsAt, a.status]),
          ),
        )}`
      : 'Appointments: none',
  );
  sections.push(
    messages.length
      ? `Recent messages (the latest ${RECENT} settled):\n${indent(
          formatTable(
            ['CAMPAIGN', 'STATE', 'REASON', 'SENT AT', 'TEXT'],
            messages.map((m) => [`${m.campaignId} ${m.campaignName}`, m.state, m.reason, m.sentAt, m.text]),
          ),
        )}`
      : 'Recent messages: none',
  );
  ctx.stdout.write(`${sections.join('\n\n')}\n`);
}

export async function exportContactsCommand(argv: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, {
    list: { type: 'string' },
    out: { type: 'string' },
  });
  exactPositionals('contacts export', positionals, []);
  const out = nonEmpty('out', values.out);
  if (values.json && out === undefined) {
    throw new UsageError(
      'contacts export --json needs --out FILE (without it the CSV itself goes to stdout)',
    );
  }
  const db = await openDatabase(ctx);
  const listId = (await existingList(db, values.list))?.id;
  if (out === undefined) {
    try {
      await writeContactsCsv(db.sql, ctx.stdout as Writable, { listId });
    } catch (error) {
      // The reader had enough (`| head`): not a failure, as for any Unix tool.
      if ((error as { code?: string }).code !== 'EPIPE') throw error;
    }
    return;
  }
  const file = createWriteStream(out);
  const written = await writeContactsCsv(db.sql, file, { listId }).finally(() => file.end());
  await finished(file);
  if (values.json) printJson(ctx.stdout, { out, contacts: written });
  else ctx.stdout.write(`${written} contacts written to ${out}\n`);
}

export async function optOutContactCommand(argv: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, { reason: { type: 'string' } });
  const [which] = exactPositionals('contacts opt-out', positionals, ['PHONE|ID']);
  const reason = nonEmpty('reason', values.reason) ?? DEFAULT_OPT_OUT_REASON;
  const db = await openDatabase(ctx);
  const before = await findContactArgument(db, which!, ctx.config.phoneRegion);
  // The function a client's STOP goes through: consent withdrawn and pending messages skipped together.
  const result = await optOutContact(db.sql, { contactId: before.id }, { reason, now: systemClock.now() });
  const contact = (await getContact(db, before.id)) ?? before;
  if (values.json) return printJson(ctx.stdout, { contact, deliveriesSkipped: result.deliveriesSkipped });
  const already = before.optedOutAt
    ? ` (already since ${before.optedOutAt.toISOString()}: ${before.optOutReason ?? 'no reason given'})`
    : '';
  ctx.stdout.write(
    `Contact ${contact.id} (+${contact.phone}) opted out${already}; ` +
      `${result.deliveriesSkipped} pending message(s) skipped.\n`,
  );
}

export async function deleteContactCommand(argv: string[], ctx: CommandContext): Promise<void> {
  const { values, positionals } = parseCommandArgs(argv, {});
  const [which] = exactPositionals('contacts delete', positionals, ['PHONE|ID']);
  const db = await openDatabase(ctx);
  const contact = await findContactArgument(db, which!, ctx.config.phoneRegion);
  // As the API's DELETE: refused for a contact campaigns reached (their reports keep it); opt it out.
  await deleteContact(db, contact.id);
  if (values.json) return printJson(ctx.stdout, { deleted: { id: contact.id, phone: contact.phone } });
  ctx.stdout.write(`Contact ${contact.id} (+${contact.phone}) deleted.\n`);
}

/** Both halves when both happened: when consent was given and from where, and when and why it was withdrawn. */
function consentText(contact: Contact): string {
  const given = contact.optedInAt
    ? `given ${contact.optedInAt.toISOString()} (source: ${contact.optInSource ?? 'not recorded'})`
    : null;
  const withdrawn = contact.optedOutAt
    ? `withdrawn ${contact.optedOutAt.toISOString()} (${contact.optOutReason ?? 'no reason given'})`
    : null;
  const withdrawnByImport = contact.consentWithdrawnAt
    ? `consent withdrawn by an import ${contact.consentWithdrawnAt.toISOString()} (source: ${contact.consentWithdrawnSource ?? 'not recorded'})`
    : null;
  return [given, withdrawnByImport, withdrawn].filter(Boolean).join('; ') || 'none recorded';
}

function indent(text: string): string {
  return text.replace(/^/gm, '  ');
}

function nonEmpty(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (raw.trim() === '') throw new UsageError(`--${name} must not be empty`);
  return raw.trim();
}

/** A --list that names no list is an error, not an empty answer: a typo should not look like "nobody". */
async function existingList(db: Database, raw: string | undefined): Promise<ContactList | undefined> {
  const name = nonEmpty('list', raw);
  if (name === undefined) return undefined;
  const list = await getListByName(db, name);
  if (!list) throw new ListNotFoundError({ name });
  return list;
}
