import type { Kysely } from 'kysely';
import type { Clock } from '../incident/ports.ts';
import type { Actor, Incident } from '../incident/types.ts';
import { getIncident, insertTimeline } from '../store/incident-repo.ts';
import type { DB } from '../store/schema.ts';
import type { Escalator } from '../escalation/escalator.ts';
import type { HeldBack, PageGuard } from './page-guard.ts';
import { notePaged } from '../escalation/seen.ts';
import { loadPolicy, nextStep, type EscalationPolicy, type Step, type UrgentKind } from '../escalation/policy.ts';
import type { EscalationDelivery } from '../escalation/ports.ts';
import { parseStep } from '../escalation/timers.ts';
import { escalateTimerOf } from '../store/timer-repo.ts';
import {
  personById,
  personByOpenId,
  recentEscalationData,
  respondersOf,
  setLatestNote,
  setResponders,
  sourceNameById,
  unlinkedPersonByName,
  type PersonRow,
} from '../store/paging-repo.ts';

// The responder actions of issue 14, shared by card buttons, chat commands, the web app and the
// API: escalate now, add a responder, add a note. Each runs in one transaction with the incident
// row locked (PostgreSQL), writes its timeline entry with who did it and how, and queues the card
// updates through the delivery port, so every copy of the card shows the change.

/** A note is text for people: long enough for a paragraph, short enough for a card and a timeline. */
export const NOTE_MAX = 1000;

export type EscalateOutcome =
  | { readonly kind: 'paged'; readonly level: number; readonly reached: readonly string[]; readonly last: boolean; readonly held?: HeldBack | null }
  | { readonly kind: 'last_level'; readonly level: number }
  | { readonly kind: 'too_soon'; readonly waitMs: number; readonly intervalMs: number }
  | { readonly kind: 'rate_limited'; readonly waitMs: number; readonly points: number; readonly windowMs: number }
  | { readonly kind: 'no_policy'; readonly source: string }
  | { readonly kind: 'resolved' }
  | { readonly kind: 'not_found' };

export type PageTarget = { readonly openId: string; readonly name?: string } | { readonly memberId: number };

export type PageOutcome =
  | { readonly kind: 'paged'; readonly name: string; readonly urgent: UrgentKind | null; readonly held?: HeldBack | null }
  | { readonly kind: 'not_linked'; readonly name: string }
  | { readonly kind: 'recently_paged'; readonly name: string; readonly agoMs: number; readonly cooldownMs: number }
  | { readonly kind: 'rate_limited'; readonly waitMs: number; readonly points: number; readonly windowMs: number }
  | { readonly kind: 'unknown_person'; readonly name: string }
  | { readonly kind: 'resolved' }
  | { readonly kind: 'not_found' };

export type NoteOutcome =
  | { readonly kind: 'noted'; readonly text: string }
  | { readonly kind: 'empty' }
  | { readonly kind: 'too_long'; readonly length: number }
  | { readonly kind: 'not_found' };

export interface Paging {
  escalate(number: number, actor: Actor): Promise<EscalateOutcome>;
  page(number: number, target: PageTarget, actor: Actor): Promise<PageOutcome>;
  note(number: number, text: string, actor: Actor): Promise<NoteOutcome>;
}

export interface PagingDeps {
  db: Kysely<DB>;
  postgres: boolean;
  escalator: Escalator;
  delivery: EscalationDelivery;
  clock: Clock;
  /** Bounds on pages by hand (issue 29); see page-guard.ts. */
  guard: PageGuard;
  /** Who may act on the incident (issue 24, src/teams/access.ts); throws HarkError('forbidden') to refuse. */
  mayAct: (actor: Actor, incidentNumber: number) => Promise<void>;
}

const VIA_WORD: Record<string, string> = { card: 'card', command: 'command', web: 'web', api: 'API', auto: 'Hark' };

export function createPaging(d: PagingDeps): Paging {
  const tx = <T>(fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> => d.db.transaction().execute(fn);
  const lockIncident = (trx: Kysely<DB>, number: number) => getIncident(trx, number, d.postgres);
  const entry = (trx: Kysely<DB>, number: number, kind: string, actor: Actor, message: string, data: unknown) =>
    insertTimeline(trx, [
      { incident_number: number, at: d.clock.now(), kind, via: actor.via, actor_id: actor.id, actor_name: actor.name, message, data: data === null ? null : JSON.stringify(data) },
    ]);

  return {
    async escalate(number, actor) {
      if (actor.via !== 'auto') await d.mayAct(actor, number);
      return tx(async (trx) => {
        const inc = await lockIncident(trx, number);
        if (!inc) return { kind: 'not_found' } as const;
        if (inc.status === 'resolved') return { kind: 'resolved' } as const;
        const policy = await loadPolicy(trx, inc.sourceId);
        if (!policy) return { kind: 'no_policy', source: await sourceName(trx, inc.sourceId) } as const;
        const step = await nextToPage(trx, number, policy);
        if (step === 'last') {
          const current = await currentStep(trx, number);
          return { kind: 'last_level', level: (current?.level ?? policy.levels.length - 1) + 1 } as const;
        }
        const now = d.clock.now();
        const { guard } = d;
        const waitMs = await guard.escalateWait(trx, number, now);
        if (waitMs > 0) return { kind: 'too_soon', waitMs, intervalMs: guard.config.escalateIntervalMs } as const;
        const limited = await guard.take(actor);
        if (limited > 0) return { kind: 'rate_limited', waitMs: limited, points: guard.config.actorPoints, windowMs: guard.config.actorWindowMs } as const;
        // Whether an SMS or phone notice may be spent by hand now; if not, the levels buzz in-app.
        const budget = (await guard.urgentByHand(trx, 'sms', now)).held;
        await entry(trx, number, 'escalate', actor, `${actor.name} escalated now (${VIA_WORD[actor.via] ?? actor.via})`, null);
        const paged = await d.escalator.notify(trx, inc, policy, step, now, { byHand: { costlyUrgent: budget === null } });
        if (!paged) return { kind: 'last_level', level: step.level + 1 } as const;
        const kind = policy.levels[paged.level]?.urgent;
        const held = budget && (kind === 'sms' || kind === 'phone') ? { ...budget, kind } : null;
        if (held) await entry(trx, number, 'escalate', actor, heldWords(held), null);
        return { kind: 'paged', level: paged.level + 1, reached: paged.reached, last: paged.last, held } as const;
      });
    },

    async page(number, target, actor) {
      if (actor.via !== 'auto') await d.mayAct(actor, number);
      return tx(async (trx) => {
        const inc = await lockIncident(trx, number);
        if (!inc) return { kind: 'not_found' } as const;
        if (inc.status === 'resolved') return { kind: 'resolved' } as const;
        const m = await findPerson(trx, target);
        if (!m) return { kind: 'unknown_person', name: 'openId' in target ? (target.name ?? target.openId) : `member ${target.memberId}` } as const;
        if (!m.open_id) return { kind: 'not_linked', name: m.name } as const;
        const now = d.clock.now();
        const { guard } = d;
        const responders = parseList(await respondersOf(trx, number));
        const byHand = responders.find((r) => r.name === m.name)?.at ?? null;
        const last = await guard.recentlyPaged(trx, number, m.open_id, byHand, now);
        if (last !== null) return { kind: 'recently_paged', name: m.name, agoMs: now - last, cooldownMs: guard.config.personCooldownMs } as const;
        const limited = await guard.take(actor);
        if (limited > 0) return { kind: 'rate_limited', waitMs: limited, points: guard.config.actorPoints, windowMs: guard.config.actorWindowMs } as const;
        const { urgent, held } = await guard.urgentByHand(trx, await urgentFor(trx, inc), now);
        await entry(trx, number, 'page', actor, `${actor.name} added ${m.name} as a responder (${VIA_WORD[actor.via] ?? actor.via})${held ? `; ${heldWords(held)}` : ''}`, {
          member: m.name,
          urgent,
        });
        await d.delivery.notifyMember(trx, { member: { name: m.name, openId: m.open_id }, incidentNumber: number, severity: inc.severity, urgent });
        await notePaged(trx, { incidentNumber: number, openId: m.open_id, name: m.name, email: m.email ?? null, level: null, now });
        const list = responders.filter((r) => r.name !== m.name);
        list.push({ name: m.name, by: actor.name, at: now });
        await setResponders(trx, number, JSON.stringify(list.slice(-20)));
        await d.delivery.refreshCards(trx, number);
        d.delivery.wake();
        return { kind: 'paged', name: m.name, urgent, held } as const;
      });
    },

    async note(number, text, actor) {
      const clean = text.replace(/\r\n?/g, '\n').trim();
      if (!clean) return { kind: 'empty' };
      const length = Array.from(clean).length;
      if (length > NOTE_MAX) return { kind: 'too_long', length };
      if (actor.via !== 'auto') await d.mayAct(actor, number);
      return tx(async (trx) => {
        const inc = await lockIncident(trx, number);
        if (!inc) return { kind: 'not_found' } as const;
        const now = d.clock.now();
        await entry(trx, number, 'note', actor, clean, { note: true });
        await setLatestNote(trx, number, JSON.stringify({ text: clean, by: actor.name, at: now }));
        await d.delivery.refreshCards(trx, number);
        d.delivery.wake();
        return { kind: 'noted', text: clean } as const;
      });
    },
  };
}

/** The timeline's words for an SMS or phone notice held back (the reply says the same, see paging-text.ts). */
export function heldWords(h: HeldBack): string {
  const what = h.kind === 'phone' ? 'phone call' : 'SMS';
  return h.why === 'no_quota'
    ? `buzzed in Lark instead of a ${what}: pages by hand do not spend the tenant's SMS/phone quota unless HARK_URGENT_QUOTA is set`
    : `buzzed in Lark instead of a ${what}: the last ${h.reserve} of the tenant's ${h.quota} SMS/phone notices this month are kept for escalation policies`;
}

/** The step "escalate now" pages: the waiting timer's, or the one after the last level paged. */
async function nextToPage(db: Kysely<DB>, number: number, policy: EscalationPolicy): Promise<Step | 'last'> {
  const waiting = await escalateTimerOf(db, number);
  const pending = parseStep(waiting?.data ?? null);
  if (pending && pending.level < policy.levels.length) return pending;
  const current = await currentStep(db, number);
  if (!current) return { level: 0, round: 0 };
  return nextStep(policy, current) ?? 'last';
}

/** The last level escalation reached (its timeline entries carry the step). */
async function currentStep(db: Kysely<DB>, number: number): Promise<Step | null> {
  for (const data of await recentEscalationData(db, number)) {
    const step = parseStep(data);
    if (step) return step;
  }
  return null;
}

/** A responder added by hand is buzzed as the level the incident is at would buzz them. */
async function urgentFor(db: Kysely<DB>, inc: Incident): Promise<UrgentKind | null> {
  const policy = await loadPolicy(db, inc.sourceId);
  if (!policy) return null;
  const at = (await currentStep(db, inc.number))?.level ?? 0;
  return policy.levels[Math.min(at, policy.levels.length - 1)]?.urgent ?? null;
}

async function findPerson(db: Kysely<DB>, t: PageTarget): Promise<PersonRow | undefined> {
  if ('memberId' in t) return personById(db, t.memberId);
  const linked = await personByOpenId(db, t.openId);
  if (linked || !t.name) return linked;
  // A mention of someone who never linked: the roster may know them by name, without an open_id.
  return unlinkedPersonByName(db, t.name);
}

async function sourceName(db: Kysely<DB>, sourceId: number): Promise<string> {
  return (await sourceNameById(db, sourceId)) ?? String(sourceId);
}

export interface ResponderEntry {
  name: string;
  by: string;
  at: number;
}

export function parseList(text: string | null | undefined): ResponderEntry[] {
  if (!text) return [];
  try {
    const v = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x) => x && typeof x.name === 'string' && typeof x.by === 'string') : [];
  } catch {
    return [];
  }
}
