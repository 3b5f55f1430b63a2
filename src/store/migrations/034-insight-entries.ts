import { sql, type Kysely } from 'kysely';
import { isPostgres } from './001-core.ts';

// Insights (issue 27) read, for the incidents opened in a window, the timeline entries that carry
// the figures (src/store/insights-repo.ts, figureBearing: the predicate below, word for word and with
// literal values, so either planner can prove the index holds every row the query wants). Without
// it a window reads every timeline row of its incidents (PostgreSQL: of the whole timeline, even for
// 7 days) and throws most away; with it, just those entries, from the index alone. PostgreSQL leaves
// the predicate's terms out of the read; SQLite checks `message` again, so it keeps a copy.
const FIGURE_BEARING = sql`kind in ('open', 'ack', 'snooze', 'resolve', 'auto_resolve', 'reopen', 'escalate') or (kind = 'delivery' and message like 'card sent to %')`;

export async function up(db: Kysely<any>): Promise<void> {
  if (isPostgres(db)) {
    await sql`create index timeline_insights on timeline (incident_number, id) include (at, kind, actor_id, data) where ${FIGURE_BEARING}`.execute(db);
  } else {
    await sql`create index timeline_insights on timeline (incident_number, id, at, kind, actor_id, data, message) where ${FIGURE_BEARING}`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists timeline_insights`.execute(db);
}
