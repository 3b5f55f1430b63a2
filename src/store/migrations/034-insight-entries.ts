import { sql, type Kysely } from 'kysely';
import { isPostgres } from './001-core.ts';

// Insights (issue 27) read, for the incidents opened in a window, the timeline entries that carry
// the figures (src/store/insights-repo.ts, figureBearing: the predicate below, word for word, so the
// planner can prove the index covers the query). Without it PostgreSQL reads the whole timeline
// for any window, a 7-day one included; with it, just those entries, from the index alone.
// SQLite walks each incident's entries by timeline_incident already and would still read each
// row for `message` (it does not drop a term the index predicate implies), so it gets none.
export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`create index timeline_insights on timeline (incident_number, id) include (at, kind, actor_id, data)
    where (kind in ('open', 'ack', 'snooze', 'resolve', 'auto_resolve', 'reopen', 'escalate') or (kind = 'delivery' and message like 'card sent to %'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`drop index if exists timeline_insights`.execute(db);
}
