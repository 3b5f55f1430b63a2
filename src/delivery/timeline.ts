import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.ts';
import { addHarkEntry } from '../store/timeline-repo.ts';

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
  await addHarkEntry(db, { incidentNumber, at, kind: DELIVERY_KIND, message, data });
}
