import { atLeast } from '../incident/severity.ts';
import type { Incident, Severity } from '../incident/types.ts';
import type { Chat, Subscription } from './chats.ts';
import { matchesLabels } from './matchers.ts';

// Who and where to notify about an incident (docs/ARCHITECTURE.md: one answer per question).
// Pure: the listener loads the candidates inside the change's transaction and asks here.

export interface ChatTarget {
  readonly chatId: string;
  readonly name: string;
}

/** Chats that receive the incident's card: active, subscribed to its source, severity ≥ min, labels match. */
export function chatsFor(
  incident: Pick<Incident, 'sourceId' | 'severity' | 'labels'>,
  candidates: readonly { chat: Chat; subscription: Subscription }[],
): ChatTarget[] {
  const out: ChatTarget[] = [];
  for (const { chat, subscription } of candidates) {
    if (chat.status !== 'active') continue;
    if (subscription.sourceId !== incident.sourceId) continue;
    if (!atLeast(incident.severity, subscription.minSeverity)) continue;
    if (!matchesLabels(subscription.labels, incident.labels)) continue;
    out.push({ chatId: chat.chatId, name: chat.name });
  }
  return out;
}

/**
 * Whether one chat receives the incident's card, by the same rule as chatsFor (`@Hark list` in a
 * group shows what the group was sent, never more).
 */
export function chatReceives(
  incident: Pick<Incident, 'sourceId' | 'severity' | 'labels'>,
  chat: Chat,
  subscriptions: readonly Subscription[],
): boolean {
  return chatsFor(incident, subscriptions.map((subscription) => ({ chat, subscription }))).length > 0;
}

/**
 * Outbox priority: lower goes first. Card updates of a severity go before new cards of the same
 * severity. A page (an incident's private card to a person, and its urgent notice) goes before all
 * group traffic: it is what wakes someone, and a storm's group cards can wait (issue 14,
 * page_storm_p99_ms). Pages are negative; isPage() tells them apart.
 */
export function priorityOf(severity: Severity, op: 'send' | 'patch' | 'page'): number {
  const rank = severity === 'critical' ? 0 : severity === 'warning' ? 1 : 2;
  if (op === 'page') return rank - 3;
  return rank * 2 + (op === 'send' ? 1 : 0);
}

export const isPage = (priority: number): boolean => priority < 0;
