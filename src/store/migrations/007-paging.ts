import type { Kysely } from 'kysely';

// Paging (issue 14): an outbox send may carry the urgent notice (加急) to raise on the card once it
// is delivered, and an `urgent` row raises it; incidents remember the responders added by hand and
// their latest note, so the card can show both without reading the timeline.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('outbox').addColumn('urgent', 'text').execute(); // app | sms | phone
  // JSON [{name, by, at}] of people added with `page` / "Add responder"; JSON {text, by, at} of the last note.
  await db.schema.alterTable('incidents').addColumn('responders', 'text').execute();
  await db.schema.alterTable('incidents').addColumn('latest_note', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('incidents').dropColumn('latest_note').execute();
  await db.schema.alterTable('incidents').dropColumn('responders').execute();
  await db.schema.alterTable('outbox').dropColumn('urgent').execute();
}
