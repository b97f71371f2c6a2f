import type { Sql } from '../../db/database.js';

const FACT = 'client_creation';

export interface ClientCreationFact {
  allowed: boolean;
  learntAt: Date;
}

/** What POST /v1/clients last said about the account: allowed, or switched off; null before it spoke. */
export async function readClientCreationFact(sql: Sql): Promise<ClientCreationFact | null> {
  const [row] = await sql<ClientCreationFact[]>`
    select value as allowed, learnt_at as "learntAt" from chat2desk_account_facts where fact = ${FACT}`;
  return row ?? null;
}

/** Records what POST /v1/clients just said: refused as switched off (false), or done (true). */
export async function rememberClientCreation(sql: Sql, allowed: boolean, now: Date): Promise<void> {
  await sql`
    insert into chat2desk_account_facts (fact, value, learnt_at) values (${FACT}, ${allowed}, ${now})
    on conflict (fact) do update set value = excluded.value, learnt_at = excluded.learnt_at`;
}
