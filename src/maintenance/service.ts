import type { Kysely, Transaction } from 'kysely';
import { displayMatchers, deserializeMatchers, parseMatchers, serializeMatchers } from '../delivery/matchers.ts';
import { HarkError } from '../errors.ts';
import { managedRefusal } from '../teams/manage.ts';
import { parseDuration } from '../incident/duration.ts';
import type { Clock } from '../incident/ports.ts';
import type { Actor } from '../incident/types.ts';
import {
  cancelMaintenanceTimers,
  deleteWindow,
  ensureRun,
  findRun,
  findWindow,
  insertWindow,
  listWindows,
  windowsOfSource,
  type MaintenanceWindowRecord,
  type WindowColumns,
} from '../store/maintenance-repo.ts';
import type { DB } from '../store/schema.ts';
import { findSourceByName } from '../store/source-repo.ts';
import { spanOf, type Runs } from './runs.ts';
import { currentOrNext, occurrenceAt, oneOff, parseRecurring, type WindowSpan } from './windows.ts';

// Maintenance windows made and ended from the API (POST/GET/DELETE /api/v1/maintenance) and from
// Lark (`maintain` / `unmaintain`). The body is the configuration file's `maintenance:` entry, so
// the file can hand each entry to parseWindowBody as it is.

const FIELDS = ['source', 'labels', 'start', 'end', 'duration', 'recurring', 'reason'] as const;
const MAX_MS = 90 * 86_400_000;

export interface WindowInput {
  source: string;
  labels: ReturnType<typeof parseMatchers>;
  span: WindowSpan;
  reason: string | null;
}

function time(v: unknown, field: string): number {
  const ms = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) throw new HarkError('invalid', `${field}: "${String(v)}" is not a time such as "2026-12-08T22:00:00+08:00"`);
  return ms;
}

/** Validates a window body; every problem names its field. */
export function parseWindowBody(body: unknown, now: number): WindowInput {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HarkError('invalid', 'body: a JSON object {source, labels?, start?, end? | duration?, recurring?, reason?}');
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !(FIELDS as readonly string[]).includes(k));
  if (unknown.length) throw new HarkError('invalid', `${unknown[0]}: is not a field of a maintenance window; it takes ${FIELDS.join(', ')}`);
  if (typeof b.source !== 'string' || !b.source.trim()) throw new HarkError('invalid', 'source: required, the name of a source');
  const reason = b.reason === undefined || b.reason === null ? null : String(b.reason).trim().slice(0, 200) || null;
  let span: WindowSpan;
  if (b.recurring !== undefined) {
    for (const f of ['start', 'end', 'duration'] as const) {
      if (b[f] !== undefined) throw new HarkError('invalid', `${f}: a recurring window takes its times from recurring {days, from, to, time_zone}; drop ${f}`);
    }
    span = { kind: 'recurring', recurring: parseRecurring(b.recurring) };
  } else {
    const start = b.start === undefined ? now : time(b.start, 'start');
    if (b.end !== undefined && b.duration !== undefined) throw new HarkError('invalid', 'end: give end or duration, not both');
    let end: number;
    if (b.end !== undefined) end = time(b.end, 'end');
    else if (b.duration !== undefined) {
      const d = typeof b.duration === 'string' ? parseDuration(b.duration) : null;
      if (d === null || d <= 0) throw new HarkError('invalid', `duration: "${String(b.duration)}" is not a duration such as "2h" or "1h30m"`);
      end = start + d;
    } else throw new HarkError('invalid', 'end: required (or duration, e.g. "2h"; or recurring for a weekly window)');
    span = oneOff(start, end);
    if (end - start > MAX_MS) throw new HarkError('invalid', 'end: a one-off window lasts at most 90 days; use recurring for regular work');
    if (end <= now) throw new HarkError('invalid', 'end: is in the past; this window would cover nothing');
  }
  return { source: b.source.trim(), labels: parseMatchers(b.labels), span, reason };
}

/** A parsed window in the form it is stored (and compared by a configuration file's plan). */
export function windowColumns(w: WindowInput): WindowColumns & { source: string } {
  return {
    source: w.source,
    labels: serializeMatchers(w.labels),
    start: w.span.kind === 'once' ? w.span.start : null,
    end: w.span.kind === 'once' ? w.span.end : null,
    recurring: w.span.kind === 'recurring' ? JSON.stringify(w.span.recurring) : null,
    reason: w.reason,
  };
}

export interface WindowJson {
  id: number;
  source: string;
  labels: Record<string, string> | string[];
  start?: string;
  end?: string;
  recurring?: { days: string[]; from: string; to: string; time_zone: string };
  reason: string | null;
  created_by: string;
  /** in force now: `active` (until `active_until`), else `scheduled` (next at `next_start`) or `ended`. */
  status: 'active' | 'scheduled' | 'ended';
  active_until?: string;
  next_start?: string;
}

export class MaintenanceService {
  constructor(
    private readonly d: { db: Kysely<DB>; runs: Runs; clock: Clock },
  ) {}

  /** Makes a window (API body or configuration entry); its start fires at once when it is already in force. */
  async create(body: unknown, actor: Actor): Promise<WindowJson> {
    const now = this.d.clock.now();
    const input = parseWindowBody(body, now);
    return this.d.db.transaction().execute(async (trx) => {
      const source = await findSourceByName(trx, input.source);
      if (!source) throw new HarkError('not_found', `source: no source named "${input.source}"`);
      const id = await insertWindow(trx, { ...windowColumns(input), sourceId: source.id, by: actor.name, now });
      const w = (await findWindow(trx, id))!;
      await this.d.runs.plan(trx, w, now);
      return this.json(trx, w, now);
    });
  }

  async list(): Promise<{ items: WindowJson[] }> {
    const now = this.d.clock.now();
    const items: WindowJson[] = [];
    for (const w of await listWindows(this.d.db)) items.push(await this.json(this.d.db, w, now));
    return { items };
  }

  /** Deletes a window; one in force ends now (its card becomes the summary, what still fires pages). */
  async remove(id: number, actor: Actor): Promise<void> {
    const now = this.d.clock.now();
    await this.d.db.transaction().execute(async (trx) => {
      const w = await findWindow(trx, id);
      if (!w || w.deleted_at !== null) throw new HarkError('not_found', `maintenance window ${id} does not exist`);
      await this.removeIn(trx, w, now, actor);
    });
  }

  /** The configuration file made a window (in its apply transaction): plan its start. */
  async createdIn(trx: Kysely<DB>, id: number, now: number): Promise<void> {
    await this.d.runs.plan(trx, (await findWindow(trx, id))!, now);
  }

  /** Deletes a window inside the caller's transaction (DELETE, or the configuration file's apply). */
  async removeIn(trx: Transaction<DB>, w: MaintenanceWindowRecord | number, now: number, actor: Actor): Promise<void> {
    const win = typeof w === 'number' ? (await findWindow(trx, w))! : w;
    const id = Number(win.id);
    await deleteWindow(trx, id, now);
    await cancelMaintenanceTimers(trx, id, now, ['maintenance_start', 'maintenance_end']);
    const occ = occurrenceAt(spanOf(win), now);
    const run = occ ? await findRun(trx, id, occ.start) : null;
    if (run) await this.d.runs.finish(trx, Number(run.id), now, actor);
  }

  /**
   * `unmaintain <source>`: ends every window of the source in force now. A one-off window is over;
   * a recurring one skips to its next occurrence. Returns how many ended.
   */
  async endSource(sourceName: string, actor: Actor): Promise<number> {
    const now = this.d.clock.now();
    return this.d.db.transaction().execute(async (trx) => {
      const source = await findSourceByName(trx, sourceName);
      if (!source) throw new HarkError('not_found', `no source named "${sourceName}"`);
      let ended = 0;
      for (const w of await windowsOfSource(trx, source.id)) {
        const occ = occurrenceAt(spanOf(w), now);
        if (!occ) continue;
        // A window the configuration file declared is changed there (issue 24), not from the chat.
        const managed = managedRefusal({ kind: 'maintenance window', name: `${w.id} of source ${w.source_name}`, teamId: null, teamName: null, managedAt: w.managed_at === null ? null : Number(w.managed_at), managedBy: w.managed_by });
        if (managed) throw new HarkError('conflict', managed);
        // The run is made if its start timer has not fired yet, so that it ends too.
        const run = await ensureRun(trx, Number(w.id), occ, now);
        if (run.ended_at !== null) continue;
        await cancelMaintenanceTimers(trx, Number(w.id), now, ['maintenance_start', 'maintenance_end']);
        await this.d.runs.finish(trx, Number(run.id), now, actor);
        if (w.recurring) await this.d.runs.plan(trx, w, now, occ);
        else await deleteWindow(trx, Number(w.id), now);
        ended++;
      }
      return ended;
    });
  }

  private async json(db: Kysely<DB>, w: MaintenanceWindowRecord, now: number): Promise<WindowJson> {
    const iso = (ms: number) => new Date(ms).toISOString();
    const span = spanOf(w);
    const occ = occurrenceAt(span, now);
    const run = occ ? await findRun(db, Number(w.id), occ.start) : null;
    const active = occ !== null && (run === null || run.ended_at === null);
    const next = currentOrNext(span, active ? (occ?.end ?? now) : now);
    const status = active ? 'active' : next && next.start > now ? 'scheduled' : 'ended';
    const r = span.kind === 'recurring' ? span.recurring : null;
    return {
      id: Number(w.id),
      source: w.source_name,
      labels: displayMatchers(deserializeMatchers(w.labels)),
      ...(span.kind === 'once' ? { start: iso(span.start), end: iso(span.end) } : {}),
      ...(r ? { recurring: { days: [...r.days], from: r.from, to: r.to, time_zone: r.timeZone } } : {}),
      reason: w.reason,
      created_by: w.created_by_name,
      status,
      ...(active ? { active_until: iso(occ!.end) } : {}),
      ...(status === 'scheduled' && next ? { next_start: iso(next.start) } : {}),
    };
  }
}
