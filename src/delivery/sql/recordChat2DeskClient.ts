import type { Sql } from '../../db/database.js';

/**
 * Remembers a contact's Chat2Desk client id and, when the engine itself put the client on a transport
 * through POST /v1/clients, that transport and when (the WhatsApp delay counts from the first time).
 */
export async function recordChat2DeskClient(
  sql: Sql,
  options: { contactId: number; clientId: number | string; addedTransport: string | null; now: Date },
): Promise<{ whatsappAddedAt: Date | null }> {
  const [row] = await sql<{ whatsappAddedAt: Date | null }[]>`
    update contacts set
      chat2desk_client_id = ${String(options.clientId)},
      chat2desk_transports = case
        when ${options.addedTransport}::text is null
          or ${options.addedTransport} = any(coalesce(chat2desk_transports, '{}')) then chat2desk_transports
        else array_append(coalesce(chat2desk_transports, '{}'), ${options.addedTransport}) end,
      chat2desk_whatsapp_added_at = case
        when ${options.addedTransport} = 'whatsapp' then coalesce(chat2desk_whatsapp_added_at, ${options.now})
        else chat2desk_whatsapp_added_at end,
      updated_at = ${options.now}
    where id = ${options.contactId}
    returning chat2desk_whatsapp_added_at as "whatsappAddedAt"`;
  return { whatsappAddedAt: row?.whatsappAddedAt ?? null };
}
