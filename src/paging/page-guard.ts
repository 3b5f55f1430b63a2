import type { Kysely } from 'kysely';
import type { Actor } from '../incident/types.ts';
import type { RateLimiter, SharedState } from '../state/index.ts';
import { lastBuzzQueued, lastManualEscalation, monthOf, urgentSpent } from '../store/ops-guard-repo.ts';
import type { DB } from '../store/schema.ts';
import type { UrgentKind } from '../escalation/policy.ts';

// Issue 29, item 3: pages by hand ("page 42 @Carol", the Add responder picker, Escalate now) make
// Lark ring people, and SMS and phone notices spend the tenant's urgent quota. The guard decides,
// for each, whether it may go ahead and says why not: a person is paged for one incident at most
// once per cool-down (by hand or by the policy), each person may page by hand a bounded number of
// times (shared across replicas through SharedState), escalate now has a minimum interval, and
// pages by hand never spend the last part of the month's SMS/phone quota (they buzz in-app instead).

export interface PageGuardConfig {
  /** A person is paged by hand for one incident at most once in this window, nor soon after the policy buzzed them. */
  personCooldownMs: number;
  /** Pages by hand and escalations now that one person may make per window, across all incidents. */
  actorPoints: number;
  actorWindowMs: number;
  /** Escalate now at most once per incident in this window. */
  escalateIntervalMs: number;
  /** SMS and phone notices the tenant may use per calendar month (UTC); null: not told (HARK_URGENT_QUOTA). */
  urgentQuota: number | null;
  /** Of those, how many only escalation policies may use (HARK_URGENT_RESERVE); default a fifth. */
  urgentReserve: number | null;
}

export const DEFAULT_PAGE_GUARD: PageGuardConfig = {
  personCooldownMs: 10 * 60_000,
  actorPoints: 5,
  actorWindowMs: 10 * 60_000,
  escalateIntervalMs: 60_000,
  urgentQuota: null,
  urgentReserve: null,
};

/** Why an SMS or phone notice asked for by hand became an in-app buzz. */
export type HeldBack =
  | { readonly kind: UrgentKind; readonly why: 'no_quota' }
  | { readonly kind: UrgentKind; readonly why: 'reserve'; readonly quota: number; readonly reserve: number };

export interface PageGuard {
  readonly config: PageGuardConfig;
  /** ms to wait before this incident may be escalated by hand again, or 0. */
  escalateWait(db: Kysely<DB>, number: number, now: number): Promise<number>;
  /** When this person was last paged for this incident (by hand or buzzed by the policy) within the cool-down, or null. */
  recentlyPaged(db: Kysely<DB>, number: number, openId: string, pagedByHandAt: number | null, now: number): Promise<number | null>;
  /** Counts one page by hand of this actor; the ms to wait when they are over their limit, else 0. */
  take(actor: Actor): Promise<number>;
  /** The buzz a page by hand may raise instead of `kind`, and why when it is held back. */
  urgentByHand(db: Kysely<DB>, kind: UrgentKind | null, now: number): Promise<{ urgent: UrgentKind | null; held: HeldBack | null }>;
  /**
   * The buzz a policy may raise by itself instead of `kind` (issue 25's louder buzz for an unseen
   * page): policies may use the whole quota, reserve included, but not beyond it; past it, in-app.
   */
  urgentByPolicy(db: Kysely<DB>, kind: UrgentKind, now: number): Promise<{ urgent: UrgentKind; why: string | null }>;
}

export function createPageGuard(state: SharedState, config: Partial<PageGuardConfig> = {}): PageGuard {
  const c: PageGuardConfig = { ...DEFAULT_PAGE_GUARD, ...Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)) };
  let limiter: RateLimiter | null = null;
  const reserve = (): number => c.urgentReserve ?? Math.ceil((c.urgentQuota ?? 0) / 5);
  return {
    config: c,
    async escalateWait(db, number, now) {
      const last = await lastManualEscalation(db, number);
      return last === null ? 0 : Math.max(0, last + c.escalateIntervalMs - now);
    },
    async recentlyPaged(db, number, openId, pagedByHandAt, now) {
      const buzzed = await lastBuzzQueued(db, number, openId);
      const last = Math.max(pagedByHandAt ?? -Infinity, buzzed ?? -Infinity);
      return Number.isFinite(last) && now - last < c.personCooldownMs ? last : null;
    },
    async take(actor) {
      limiter ??= state.rateLimiter({ name: 'page-by-hand', points: c.actorPoints, durationMs: c.actorWindowMs });
      const r = await limiter.consume(actor.id !== null ? `m${actor.id}` : `n:${actor.name}`);
      return r.allowed ? 0 : Math.max(1, r.msBeforeNext);
    },
    async urgentByHand(db, kind, now) {
      if (kind !== 'sms' && kind !== 'phone') return { urgent: kind, held: null };
      if (c.urgentQuota === null) return { urgent: 'app', held: { kind, why: 'no_quota' } };
      const keep = reserve();
      if ((await urgentSpent(db, monthOf(now))) + 1 > c.urgentQuota - keep) {
        return { urgent: 'app', held: { kind, why: 'reserve', quota: c.urgentQuota, reserve: keep } };
      }
      return { urgent: kind, held: null };
    },
    async urgentByPolicy(db, kind, now) {
      if (kind === 'app' || c.urgentQuota === null) return { urgent: kind, why: null };
      if ((await urgentSpent(db, monthOf(now))) + 1 > c.urgentQuota) {
        return { urgent: 'app', why: `the tenant's ${c.urgentQuota} SMS/phone notices this month are used up (HARK_URGENT_QUOTA)` };
      }
      return { urgent: kind, why: null };
    },
  };
}
