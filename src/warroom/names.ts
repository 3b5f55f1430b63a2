// Names, uuids and sentences of war rooms.
import type { LarkApiError } from '../lark/client.ts';

/** Hark keeps group names within 60 characters (docs/lark-notes.md §13). */
export const ROOM_NAME_MAX = 60;

/** `#42 Checkout latency above 2 s`, on one line, cut to the limit with an ellipsis. */
export function roomName(incidentNumber: number, title: string): string {
  const full = `#${incidentNumber} ${title.replace(/\s+/g, ' ').trim()}`.trim();
  const chars = [...full];
  return chars.length <= ROOM_NAME_MAX ? full : `${chars.slice(0, ROOM_NAME_MAX - 1).join('').trimEnd()}…`;
}

/** Lark's creation uuid (≤ 50 characters): the same for every request and replica of one database. */
export function roomUuid(installId: string, incidentNumber: number): string {
  return `hark-${installId}-room-${incidentNumber}`.slice(0, 50);
}

/** Why Lark would not create the group or add someone, in words (codes: docs/lark-notes.md §13). */
export function explainGroupRefusal(err: Pick<LarkApiError, 'code' | 'message' | 'kind' | 'httpStatus'>): string {
  if (err.kind === 'rate_limited') return `Lark's rate limit was hit (${err.code ?? err.httpStatus})`;
  switch (err.code) {
    case 99991672:
    case 230027:
      return `the app lacks the Lark permission to create groups (scope im:chat): ${err.message}`;
    case 230006:
      return "the app's bot capability is turned off in the Lark developer console";
    case 232009:
      return 'the war room group was disbanded';
    case 232011:
      return 'the bot is no longer in the war room group';
    case 232024:
    case 232043:
      return "someone is outside the app's availability";
    default:
      return err.kind === 'transient' ? `Lark did not answer (${err.message})` : err.message;
  }
}
