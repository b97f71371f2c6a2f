import type { Sql } from '../db/database.js';
import { isValidE164Digits, normalisePhone, type PhoneRegion } from '../phones/phone.js';

/**
 * Phones stored by earlier versions, which kept digits as written: `9161234567` (a Moscow mobile
 * without its country code) was stored as is and would be sent to +916… — read again here as
 * every phone is read now, and fixed. A number that is a valid E.164 number as stored stays, unless
 * it reads as another valid number in the region too (then it is reported as ambiguous, for a person
 * to decide); a number taken by another contact is a conflict, reported and left alone (merging two
 * contacts is a person's decision). A changed contact forgets its cached Chat2Desk client, which was
 * found or created for the old number.
 */
export interface PhoneFix {
  contactId: number;
  from: string;
  to: string;
}

export interface PhoneNormalization {
  dryRun: boolean;
  checked: number;
  unchanged: number;
  /** Fixed (or, with dryRun, to be fixed). */
  changed: number;
  /** Stored as a valid number that the region also reads as another one: left for a person. */
  ambiguous: number;
  /** Not a number that can exist however it is read: such a contact is skipped as invalid_phone. */
  invalid: number;
  /** The fixed number belongs to another contact already: left for a person to merge. */
  conflicts: number;
  /** The first MAX_LISTED of each kind; the counts cover all. */
  changes: PhoneFix[];
  ambiguities: Array<{ contactId: number; phone: string; note: string }>;
  invalidPhones: Array<{ contactId: number; phone: string; reason: string }>;
  conflicting: Array<PhoneFix & { takenBy: number }>;
  truncated: boolean;
}

const MAX_LISTED = 1000;
const BATCH = 1000;

export async function normalizeStoredPhones(
  sql: Sql,
  options: { phoneRegion: PhoneRegion; dryRun: boolean; now: Date; batchSize?: number },
): Promise<PhoneNormalization> {
  const result: PhoneNormalization = {
    dryRun: options.dryRun,
    checked: 0,
    unchanged: 0,
    changed: 0,
    ambiguous: 0,
    invalid: 0,
    conflicts: 0,
    changes: [],
    ambiguities: [],
    invalidPhones: [],
    conflicting: [],
    truncated: false,
  };
  const list = <T>(items: T[], item: T) => {
    if (items.length < MAX_LISTED) items.push(item);
    else result.truncated = true;
  };
  // Numbers this run gives out: two old spellings of one number cannot both become it.
  const claimed = new Map<string, number>();
  let after = 0;
  for (;;) {
    const contacts = await sql<{ id: number; phone: string }[]>`
      select id, phone from contacts where id > ${after} order by id limit ${options.batchSize ?? BATCH}`;
    if (contacts.length === 0) break;
    after = contacts[contacts.length - 1]!.id;
    const fixes: PhoneFix[] = [];
    for (const { id, phone } of contacts) {
      result.checked++;
      const read = normalisePhone(phone, { region: options.phoneRegion });
      if (isValidE164Digits(phone)) {
        if (read.ok && read.digits !== phone) {
          result.ambiguous++;
          list(result.ambiguities, {
            contactId: id,
            phone,
            note: `stored as +${phone}; read in ${options.phoneRegion} it would be +${read.digits}`,
          });
        } else result.unchanged++;
      } else if (!read.ok) {
        result.invalid++;
        list(result.invalidPhones, { contactId: id, phone, reason: read.message });
      } else fixes.push({ contactId: id, from: phone, to: read.digits });
    }
    const taken = await sql<{ id: number; phone: string }[]>`
      select id, phone from contacts where phone = any(${fixes.map((f) => f.to)}::text[])`;
    const owners = new Map(taken.map((t) => [t.phone, t.id]));
    const applicable: PhoneFix[] = [];
    for (const fix of fixes) {
      const owner = owners.get(fix.to) ?? claimed.get(fix.to);
      if (owner !== undefined && owner !== fix.contactId) {
        result.conflicts++;
        list(result.conflicting, { ...fix, takenBy: owner });
        continue;
      }
      claimed.set(fix.to, fix.contactId);
      applicable.push(fix);
    }
    if (!options.dryRun) await applyFixes(sql, applicable, options.now);
    result.changed += applicable.length;
    for (const fix of applicable) list(result.changes, fix);
  }
  return result;
}

/**
 * One statement for a batch, guarded by the old number (a contact changed meanwhile is left as it
 * is now). The cached Chat2Desk client was found or created for the old number: forgotten.
 */
async function applyFixes(sql: Sql, fixes: readonly PhoneFix[], now: Date): Promise<void> {
  if (fixes.length === 0) return;
  const payload = JSON.stringify(fixes.map((f) => ({ id: f.contactId, from: f.from, to: f.to })));
  await sql`
    update contacts c set phone = f."to", chat2desk_client_id = null, chat2desk_transports = '{}',
                          chat2desk_whatsapp_added_at = null, updated_at = ${now}
    from json_to_recordset(${payload}::text::json) as f(id int, "from" text, "to" text)
    where c.id = f.id and c.phone = f."from"`;
}
