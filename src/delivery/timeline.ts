import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.ts';

// Delivery notes in the incident's timeline (README "Concepts", Timeline: every delivery attempt, and failed
// ones say why in words a person understands). Written by Hark itself: via 'auto'.

export const DELIVERY_KIND = 'delivery';

export async function addDeliveryNote(
  db: Kysely<DB>,
  incidentNumber: number,
  at: number,
  message: string,
  data?: Record<string, unknown>,
): Promise<void> {
  await db
    .insertInto('timeline')
    .values({
      incident_number: incidentNumber,
      at,
      kind: DELIVERY_KIND,
      via: 'auto',
      actor_id: null,
      actor_name: 'Hark',
      message,
      data: data ? JSON.stringify(data) : null,
    })
    .execute();
}
