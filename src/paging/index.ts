// How Hark wakes someone. Paging's rules live in this folder; each surface stays with the transport
// the layer rules give it (docs/ARCHITECTURE.md "Paging: how Hark wakes someone"):
//
//   the ladder          escalation/ (policy.ts levels, escalator.ts pages a level, timer-kinds.ts
//                       the next step); escalation/seen.ts: who read their page, the louder buzz of
//                       an unread one
//   by hand             paging.ts: escalate now, add a responder, notes, in one transaction each;
//                       paging-text.ts: what they say, on every surface
//   the bounds          page-guard.ts: cool-down per person, per-actor limit, escalate-now interval,
//                       the urgent quota's reserve
//   Lark's buzz         buzz.ts: whether a queued urgent notice may still ring, what it spends, what
//                       the timeline says; delivery/urgent.ts raises it from the outbox (only
//                       delivery writes outbox rows)
//   surfaces            bot/paging.ts (chat commands, card buttons, thread notes),
//                       http/routes/paging.ts (API), http/routes/web-pages.ts (the web app's notes)
//   rows                store/paging-repo.ts, store/page-repo.ts, store/ops-guard-repo.ts (SQL only in store/)

export { createPaging, NOTE_MAX, type Paging, type PagingDeps, type EscalateOutcome, type PageOutcome, type NoteOutcome, type PageTarget } from './paging.ts';
export { createPageGuard, type PageGuard, type PageGuardConfig, type HeldBack } from './page-guard.ts';
export { escalateText, noteText, pageText, type Said } from './paging-text.ts';
export { buzzHeldBack, buzzRang, buzzText, explainUrgentRefusal, isUrgentKind, type Buzz, type UrgentKind } from './buzz.ts';
