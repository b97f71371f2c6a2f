import {
  type Contact,
  ContactNotFoundError,
  getContact,
  getContactByPhone,
  phoneDigits,
} from '../contacts/contacts.js';
import type { Database } from '../db/database.js';
import type { PhoneRegion } from '../phones/phone.js';

/** Ids are short; a phone has at least seven digits (or starts with +): `12` is contact 12, `+7 916…` a phone. */
const ID_PATTERN = /^\d{1,6}$/;

/** The contact a command names by its id or its phone (as people write it); ContactNotFoundError if none. */
export async function findContactArgument(
  db: Database,
  raw: string,
  phoneRegion: PhoneRegion,
): Promise<Contact> {
  const text = raw.trim();
  if (ID_PATTERN.test(text)) {
    const contact = await getContact(db, Number(text));
    if (!contact) throw new ContactNotFoundError({ contactId: Number(text) });
    return contact;
  }
  const phone = phoneDigits(text, phoneRegion);
  const contact = await getContactByPhone(db, phone);
  if (!contact) throw new ContactNotFoundError({ phone: `+${phone}` });
  return contact;
}
