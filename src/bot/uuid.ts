import crypto from 'node:crypto';

/**
 * A Lark message uuid derived from what caused the message (an inbound message id, an event id),
 * so a redelivered event cannot post a second answer: Lark keeps at most one message per uuid for
 * an hour, and uuids are at most 50 characters (docs/lark-notes.md §2.1, §6).
 */
export function stableUuid(purpose: string, cause: string): string {
  const hash = crypto.createHash('sha256').update(`${purpose}\n${cause}`).digest('hex').slice(0, 32);
  return `hark-${purpose.replace(/[^a-z0-9-]/gi, '').slice(0, 12)}-${hash}`;
}
