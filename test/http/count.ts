import { sql, type Kysely } from 'kysely';

/** Row counts of the incident tables, to prove a refused request wrote nothing. */
export async function countRows(db: Kysely<any>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['sources', 'members', 'incidents', 'alerts', 'timeline', 'payloads']) {
    const r = await sql<{ n: number }>`select count(*) as n from ${sql.table(t)}`.execute(db);
    out[t] = Number(r.rows[0].n);
  }
  return out;
}
