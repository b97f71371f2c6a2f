import type { Sql } from '../db/database.js';

/** A message of a campaign to one contact, as their page lists it. */
export interface ContactDelivery {
  deliveryId: string;
  campaignId: number;
  campaignName: string;
  state: string;
  reason: string | null;
  dueAt: Date;
  sentAt: Date | null;
  /** The text as sent (or about to be), when it was rendered. */
  text: string | null;
}

/**
 * A contact's settled deliveries (sent, delivered, read, failed, skipped), newest sends first (the
 * failed and skipped, never sent, before them), a page at a time: read backwards along the partial
 * (contact, sent_at) index of each partition, never a sort of them all. Messages still on their way
 * are on their campaign's page.
 */
export async function contactDeliveries(
  sql: Sql,
  contactId: number,
  page: { limit: number; offset: number },
): Promise<ContactDelivery[]> {
  return sql<ContactDelivery[]>`
    select d.id::text as "deliveryId", d.campaign_id as "campaignId", k.name as "campaignName",
           d.state::text as state, d.reason, d.due_at as "dueAt", d.sent_at as "sentAt", d.rendered_text as text
    from deliveries d join campaigns k on k.id = d.campaign_id
    where d.contact_id = ${contactId} and d.state in ('sent', 'delivered', 'read', 'failed', 'skipped')
    order by d.sent_at desc nulls first, d.id desc
    limit ${page.limit} offset ${page.offset}`;
}
