import type { Kysely } from 'kysely';
import type { DB } from '../store/schema.ts';
import { deletePendingAction, pendingAction, pendingActionsOf, replacePendingAction } from '../store/session-repo.ts';
import type { Clock } from '../incident/ports.ts';
import { HarkError } from '../errors.ts';
import { INCIDENT_OPS, type IncidentOp } from '../incident/types.ts';

export const PENDING_ACTION_TTL_MS = 15 * 60_000;
export const PENDING_OPS = INCIDENT_OPS;
export type PendingOp = IncidentOp;

export interface PendingActionInput {
  readonly op: PendingOp;
  readonly incident: number;
  /** Snooze only, as typed on the card: "30m", "2h". */
  readonly duration?: string;
}

export interface PendingAction extends PendingActionInput {
  readonly id: number;
  readonly openId: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/**
 * "Link, then finish": a card button pressed by someone Hark cannot identify yet is remembered
 * under their Lark open_id for 15 minutes; after they link in the web app it offers a one-tap
 * "Finish: acknowledge #42". The chat-operations handler calls remember(); the web app lists and
 * completes. Stored in the database so any replica can finish what another remembered.
 */
export class PendingActions {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
    private readonly ttlMs = PENDING_ACTION_TTL_MS,
  ) {}

  /** Remembers an action; pressing the same button again refreshes it instead of adding a second. */
  async remember(openId: string, action: PendingActionInput): Promise<PendingAction> {
    if (!openId) throw new HarkError('invalid', 'open_id: required');
    if (!(PENDING_OPS as readonly string[]).includes(action.op)) throw new HarkError('invalid', `op: "${action.op}" is not an incident action`);
    if (!Number.isSafeInteger(action.incident) || action.incident <= 0) throw new HarkError('invalid', 'incident: must be a positive number');
    const now = this.clock.now();
    const row = {
      open_id: openId,
      op: action.op,
      incident_number: action.incident,
      duration: action.op === 'snooze' ? (action.duration ?? null) : null,
      created_at: now,
      expires_at: now + this.ttlMs,
    };
    const id = await replacePendingAction(this.db, row, now);
    return toAction({ ...row, id });
  }

  async listFor(openId: string): Promise<PendingAction[]> {
    const rows = await pendingActionsOf(this.db, openId, this.clock.now());
    return rows.map(toAction);
  }

  /** The action when it belongs to this person and has not expired. */
  async get(openId: string, id: number): Promise<PendingAction | null> {
    const row = await pendingAction(this.db, openId, id, this.clock.now());
    return row ? toAction(row) : null;
  }

  /**
   * Takes the action out (done). Returns false when it was already taken: two taps on "Finish"
   * perform the action once.
   */
  async complete(openId: string, id: number): Promise<boolean> {
    return deletePendingAction(this.db, openId, id);
  }

  /** Same as complete; named for the "no thanks" button. */
  discard(openId: string, id: number): Promise<boolean> {
    return this.complete(openId, id);
  }
}

function toAction(row: { id: number; open_id: string; op: string; incident_number: number; duration: string | null; created_at: number; expires_at: number }): PendingAction {
  return {
    id: Number(row.id),
    openId: row.open_id,
    op: row.op as PendingOp,
    incident: Number(row.incident_number),
    ...(row.duration ? { duration: row.duration } : {}),
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}
