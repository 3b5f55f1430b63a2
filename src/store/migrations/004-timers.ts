import type { Kysely } from 'kysely';
import { idColumn, isPostgres } from './001-core.ts';

// Durable timers (issue 7): escalation steps and snooze ends are due-times in the database, written
// in the transaction of the change that schedules them and fired by a scanner on any replica.
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const auto = (c: any) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement());

  // `pending_key` ("escalate:42", "snooze_end:42") is set while the timer waits and NULL once it
  // fired or was cancelled: the unique index keeps one waiting timer per incident and kind, so
  // scheduling again (a longer snooze) moves the due time instead of adding a second timer.
  await db.schema
    .createTable('timers')
    .addColumn('id', idColumn(db), auto)
    .addColumn('kind', 'text', (c) => c.notNull()) // escalate | snooze_end
    .addColumn('incident_number', 'bigint', (c) => c.notNull())
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('data', 'text')
    .addColumn('status', 'text', (c) => c.notNull()) // pending | done | cancelled | failed
    .addColumn('pending_key', 'text', (c) => c.unique())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('fired_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('done_at', 'bigint')
    .execute();
  await db.schema.createIndex('timers_due').on('timers').columns(['status', 'due_at']).execute();
  await db.schema.createIndex('timers_incident').on('timers').columns(['incident_number', 'status']).execute();

  // Snoozes set before this migration were ended by polling the incidents table; give each a timer.
  const now = Date.now();
  const snoozed = await db
    .selectFrom('incidents')
    .select(['number', 'snoozed_until'])
    .where('snoozed_until', 'is not', null)
    .where('status', '!=', 'resolved')
    .execute();
  for (const r of snoozed as { number: number; snoozed_until: number }[]) {
    await db
      .insertInto('timers')
      .values({
        kind: 'snooze_end',
        incident_number: r.number,
        due_at: Number(r.snoozed_until),
        data: null,
        status: 'pending',
        pending_key: `snooze_end:${r.number}`,
        created_at: now,
        updated_at: now,
      })
      .execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('timers').ifExists().execute();
}
