import type { Kysely } from 'kysely';
import { HarkError } from '../errors.ts';
import type { MemberRole } from '../incident/types.ts';
import { memberById, type OverrideRecord, type ScheduleRecord } from '../store/schedule-repo.ts';
import type { DB } from '../store/schema.ts';
import type { ScheduleSpec } from './spec.ts';

// Who may see a schedule's secret iCal URL (issue 29, item 10), and the overrides list's cursor.

/** Who asks to see a schedule: its secret iCal URL is shown to admins and to responders on it, never to viewers. */
export interface ScheduleViewer {
  readonly role: MemberRole;
  /** The member asking; null for the admin token. */
  readonly memberId: number | null;
}

export const ADMIN: ScheduleViewer = { role: 'admin', memberId: null };

/** Admins see every schedule's feed URL; a responder only that of a schedule they are on; viewers none. */
export async function maySeeFeed(db: Kysely<DB>, s: ScheduleRecord, viewer: ScheduleViewer): Promise<boolean> {
  if (viewer.role === 'admin') return true;
  if (viewer.role !== 'responder' || viewer.memberId === null) return false;
  const email = (await memberById(db, viewer.memberId))?.email;
  const spec = JSON.parse(s.spec) as ScheduleSpec;
  return !!email && spec.layers.some((l) => l.members.includes(email));
}

/** The cursor of the overrides list: the start and id of the last override of a page. */
export function cursorOf(o: OverrideRecord): string {
  return Buffer.from(`${Number(o.start_at)}.${Number(o.id)}`).toString('base64url');
}

export function parseCursor(text: string): { start: number; id: number } {
  const m = /^(\d{1,16})\.(\d{1,15})$/.exec(Buffer.from(text, 'base64url').toString());
  if (!m) throw new HarkError('invalid', `cursor: "${text}" is not a cursor from this list; use next_cursor of the previous page as it is`);
  return { start: Number(m[1]), id: Number(m[2]) };
}
