// What the chat-operations bot needs from the rest of Hark, as narrow ports. The bot never sees
// kysely, Koa or the Lark SDK; src/bot/adapters.ts joins these to the real services, tests may
// pass their own. Keeping them narrow is what lets the click path stay within Lark's 3-second
// deadline (docs/lark-notes.md §1.10): every call here is one or two indexed queries.
import type { Clock } from '../incident/ports.ts';
import type { Actor, Member, Severity, Stamp } from '../incident/types.ts';
import type { IncidentView } from '../render/index.ts';
import type { LarkApi } from '../lark/client.ts';
import type { SharedState } from '../state/index.ts';
import type { Paging } from '../escalation/paging.ts';

export type { IncidentOp } from '../incident/types.ts';
import type { IncidentOp } from '../incident/types.ts';

export interface OpRequest {
  readonly op: IncidentOp;
  readonly incident: number;
  /** Snooze: as typed ("30m", "1h30m"); ack: its time box ("30m", "none": until resolved; absent: the policy's default). */
  readonly duration?: string;
  readonly actor: Actor;
  /** The card copy that was clicked: its callback answer shows the new state, so delivery need not patch it. */
  readonly clickedMessageId?: string | null;
}

export interface OpResult {
  readonly changed: boolean;
  /** Who made the change, or for an unchanged result who made it first. */
  readonly by: Stamp | null;
  readonly number: number;
  readonly status: string;
  readonly snoozedUntil: number | null;
  /** When the acknowledgement's time box ends (issue 25). */
  readonly ackedUntil?: number | null;
  readonly version: number;
  readonly message: string;
}

export interface IncidentPort {
  /** Runs one lifecycle operation. Throws HarkError not_found / conflict / invalid / unavailable. */
  apply(req: OpRequest): Promise<OpResult>;
  /** The member id who holds the incident's acknowledgement, or null (issue 25: the reminder's buttons). */
  ackerOf(number: number): Promise<number | null>;
  /** Moves the end of the acknowledgement's time box to `duration` from now (the reminder's Extend). */
  extendAck(number: number, duration: string, actor: Actor): Promise<{ message: string }>;
  /** Back to triggered, the current level paged again (the reminder's Hand back). */
  handBack(number: number, actor: Actor): Promise<{ message: string }>;
  /** What the card of one incident shows; null when there is no such incident. */
  view(number: number): Promise<IncidentView | null>;
  /** Open incidents a group receives (its subscriptions), newest first. */
  openForChat(chatId: string): Promise<IncidentView[]>;
  /** Open incidents of one person ("mine" in a private chat), newest first. */
  openForMember(member: Member): Promise<IncidentView[]>;
}

export interface MemberPort {
  byOpenId(openId: string): Promise<Member | null>;
  /** Admins with a linked Lark identity, to tell them privately what stopped. */
  linkedAdmins(): Promise<Member[]>;
}

export interface Subscription {
  readonly source: string;
  readonly minSeverity: Severity;
  readonly labels: Record<string, string>;
}

export interface ChatPort {
  /** Records that the bot is in this group (chat directory). */
  botAdded(chatId: string, name: string): Promise<void>;
  /** The bot left or the group was disbanded: stop sending there. */
  botGone(chatId: string, why: 'removed' | 'disbanded'): Promise<void>;
  /** The group's name as Hark knows it (falls back to the chat id). */
  name(chatId: string): Promise<string>;
  subscriptions(chatId: string): Promise<Subscription[]>;
  /** Creates or replaces the subscription; throws HarkError not_found for an unknown source. */
  subscribe(chatId: string, source: string, minSeverity: Severity): Promise<void>;
  /** false when the chat was not subscribed to this source. */
  unsubscribe(chatId: string, source: string): Promise<boolean>;
  sourceNames(): Promise<string[]>;
  /**
   * Posts a card in the group through the delivery outbox: paced under Lark's limits with
   * everything else Hark sends, retried, and once per `key` while it waits (the welcome card: the
   * bot added to a hundred groups at once must not burst past the app's 50/s).
   */
  postCard(chatId: string, card: object, key: string): Promise<void>;
}

export interface CardMessagePort {
  /** The incident whose card this message is (incident_messages), for "reply ack to a card". */
  incidentOf(messageId: string): Promise<number | null>;
  /**
   * This copy's callback answer went out without the refreshed card (the click was late): update it
   * through the delivery outbox like the other copies.
   */
  refresh(messageId: string): Promise<void>;
}

/**
 * What each chat command produced, by inbound message id, durably (the store): a redelivered message
 * replays its recorded replies and never runs its command again, on any replica, after a restart.
 */
export interface CommandOutcomePort {
  find(messageId: string): Promise<unknown | null>;
  /** Records unless already recorded; returns the outcome that stands (the first one recorded). */
  record(messageId: string, outcome: unknown): Promise<unknown>;
}

export interface PendingPort {
  /** "Link, then finish": remembered under the open_id until the person links in the web app. */
  remember(openId: string, action: { op: IncidentOp; incident: number; duration?: string }): Promise<unknown>;
}

export interface PrivatePort {
  /**
   * Sends a card to one person's private chat through the delivery outbox (durable, paced, retried),
   * for work done after a callback answer: the link card, a help or list card asked for by a button.
   */
  card(openId: string, card: object): Promise<void>;
}

/** One schedule on the `oncall` card. */
export interface OncallBoardItem {
  readonly name: string;
  readonly timeZone: string;
  readonly members: string[];
  readonly until: number | null;
  readonly next: string[];
}

export interface SchedulePort {
  /**
   * The schedules the `oncall` card shows: the one named; else in a group those its subscriptions'
   * escalation policies target; else all. `empty` says why the list is empty.
   */
  board(req: { name: string | null; chatId: string | null }): Promise<{ items: OncallBoardItem[]; empty?: 'none' | 'group' | 'unknown' }>;
  /** The member takes over from now to the end of the current shift (an override, on the schedule's timeline). */
  takeOver(name: string, member: Member): Promise<{ kind: 'done' | 'already'; until: number | null; timeZone: string } | { kind: 'not_found' }>;
}

/** War rooms (src/warroom): a Lark group per incident. */
export interface WarRoomPort {
  /** Opens (or finds) the incident's room; throws HarkError not_found / conflict (resolved) / unavailable. */
  open(
    incidentNumber: number,
    asker: { openId: string | null; name: string; memberId: number | null; via: 'card' | 'command' },
  ): Promise<{ chatId: string; name: string; link: string; created: boolean }>;
  /** The incident's room when it is open. */
  find(incidentNumber: number): Promise<{ chatId: string; name: string; link: string } | null>;
  /** Whether Hark made this group as a war room. */
  isRoom(chatId: string): Promise<boolean>;
}

/** Alertmanager silences (src/alertmanager): throws HarkError not_found / invalid / upstream. */
export interface SilencePort {
  silence(incident: number, duration: string, actor: Actor): Promise<{ until: number; silenceId: string }>;
  unsilence(incident: number, actor: Actor): Promise<{ changed: boolean }>;
}

export interface BotDeps {
  incidents: IncidentPort;
  members: MemberPort;
  chats: ChatPort;
  cardMessages: CardMessagePort;
  commandOutcomes: CommandOutcomePort;
  pending: PendingPort;
  privately: PrivatePort;
  /** Silence/unsilence at Alertmanager; without it those buttons and commands say it is not set up. */
  silences?: SilencePort;
  lark: Pick<LarkApi, 'sendCard' | 'sendText' | 'replyCard' | 'replyText' | 'getChat' | 'getMessageText'>;
  /** Declaring incidents by hand (issue 25); absent: `declare` says it is not available. */
  declare?: DeclarePort;
  state: SharedState;
  /** Where the link card's button goes: the web app inside Lark ({HARK_PUBLIC_URL}/h5). */
  linkUrl: string;
  clock?: Clock;
  /** Escalate now, add a responder, notes (issue 14); without it those commands say they failed. */
  paging?: Pick<Paging, 'escalate' | 'page' | 'note'>;
  /** Budget for answering a card click; Lark gives up at 3 s (docs/lark-notes.md §1.10). */
  clickBudgetMs?: number;
  /** On-call schedules (`oncall`, Take over); without it the bot says schedules are not set up. */
  schedules?: SchedulePort;
  /** "Link, then finish" for Take over (the web app offers to finish it after linking). */
  schedulePending?: { rememberTakeOver(openId: string, schedule: string): Promise<unknown> };
  /** War rooms; absent: the `room` command and button say they are not available. */
  warRooms?: WarRoomPort;
}

/** Declare an incident by hand (issue 25, src/incident/declare.ts). */
export interface DeclarePort {
  /** Every source's name (a private chat's picker). */
  sources(): Promise<string[]>;
  /** Opens the incident on the source; throws HarkError invalid / not_found. Returns its number. */
  open(
    source: string,
    req: { title: string; severity: Severity | null; description: string | null; actor: Actor; from?: { messageId: string; chatName: string } | null },
  ): Promise<number>;
}
