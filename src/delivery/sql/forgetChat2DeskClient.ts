import type { Sql } from '../../db/database.js';

/**
 * Forgets a contact's client id that Chat2Desk no longer knows (merged, or another account's): the
 * next attempt resolves the client again. Only that id: one learnt meanwhile is kept.
 */
export async function forgetChat2DeskClient(
  sql: Sql,
  options: { contactId: number; clientId: string; now: Date },
): Promise<void> {
  await sql`
    update contacts set chat2desk_client_id = null, chat2desk_transports = '{}',
      chat2desk_whatsapp_added_at = null, updated_at = ${options.now}
    where id = ${options.contactId} and chat2desk_client_id = ${options.clientId}`;
}
