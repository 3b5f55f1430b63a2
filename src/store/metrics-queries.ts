// The database reads behind the scrape-time gauges (src/metrics.ts): the outbox backlog and the
// open incidents. Read-only and cheap: both tables are indexed on status.
import { sql, type Kysely } from 'kysely';
import type { MetricsSource } from '../metrics.ts';
import type { DB } from './schema.ts';
import { OPEN_STATUSES } from './open-incidents.ts';

export function storeMetricsSource(db: Kysely<DB>): MetricsSource {
  return {
    async outbox() {
      const row = await db
        .selectFrom('outbox')
        .select((eb) => [eb.fn.countAll<number>().as('pending'), eb.fn.min<number>('created_at').as('oldest')])
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return { pending: Number(row?.pending ?? 0), oldestCreatedAt: row?.oldest == null ? null : Number(row.oldest) };
    },
    async openIncidents(now) {
      // A snooze keeps the status column as it was; the metric shows it as its own status.
      const status = sql<string>`case when snoozed_until is not null and snoozed_until > ${now} then 'snoozed' else status end`;
      const rows = await db
        .selectFrom('incidents')
        .select((eb) => [status.as('status'), 'severity', eb.fn.countAll<number>().as('count')])
        .where('status', 'in', OPEN_STATUSES)
        .groupBy([status, 'severity'])
        .execute();
      return rows.map((r) => ({ status: r.status, severity: r.severity, count: Number(r.count) }));
    },
  };
}
