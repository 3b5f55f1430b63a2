// What the chat-operations bot needs from the rest of Hark, as narrow ports. The bot never sees
// kysely, Koa or the Lark SDK; src/bot/adapters.ts joins these to the real services, tests may
// pass their own. Keeping them narrow is what lets the click path stay within Lark's 3-second
// deadline (docs/lark-notes.md §1.10): every call here is one or two indexed queries.
import type { Clock } from '../incident/ports.ts';
import type { Actor, Member, Severity, Stamp } from '../incident/types.ts';
import type { IncidentView } from '../render/index.ts';
import type { LarkApi } from '../lark/client.ts';
import type { SharedState } from '../state/index.ts';
import type { CommandClaim } from '../store/command-repo.ts';
import type { Paging } from '../paging/index.ts';

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

/** Some open incidents, newest first, and how many are open in all (a list card counts the rest). */
export interface OpenList {
  items: IncidentView[];
  total: number;
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
  /** Whether this group receives the incident: it has a copy of its card, or its subscriptions match it. */
  receivedIn(chatId: string, number: number): Promise<boolean>;
  /** Open incidents a group receives (its subscriptions), newest first: the first that fit a card, and how many in all. */
  openForChat(chatId: string): Promise<OpenList>;
  /** Open incidents of one person ("mine" in a private chat), newest first, as openForChat. */
  openForMember(member: Member): Promise<OpenList>;
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
/** The database's claim and outcome of each chat command (src/store/command-repo.ts). */
export interface CommandOutcomePort {
  /**
   * 'run' (this delivery runs it), 'done' (replay the outcome) or 'busy' (another delivery renewed
   * its claim within staleMs); a claim older than that is taken over.
   */
  claim(messageId: string, owner: string, staleMs: number): Promise<CommandClaim>;
  /** Keeps the claim fresh while the command runs; false once it was lost. */
  renew(messageId: string, owner: string): Promise<boolean>;
  /** Records unless already recorded; returns the outcome that stands (the first one recorded). */
  finish(messageId: string, outcome: unknown): Promise<unknown>;
  /** Drops this owner's claim (the command failed) so a redelivery runs it. */
  abandon(messageId: string, owner: string): Promise<void>;
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
  /** Sends a live copy of an incident's card to one person privately (it shows the war room's link once open). */
  incidentCard(person: { openId: string; name: string }, incidentNumber: number): Promise<void>;
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

/**
 * Which Take over buttons a card Hark sent carries (issue 29): a take_over value is honoured only
 * on a card that carries that schedule's button (an `oncall` reply or a handoff notice).
 */
export interface ScheduleCardPort {
  /**
   * Remembers what the buttons on the card sent as this message act on (none: nothing): Take over
   * schedules, `reminder:<incident>`, `declare:<source>` (render/button-value.ts cardBindingsIn).
   */
  bind(messageId: string, card: object): Promise<void>;
  /** The keys the card sent as this message is bound to (schedule names and the keys above). */
  schedulesOf(messageId: string): Promise<string[]>;
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

/** Alertmanager silences (src/alertmanager): throws HarkError not_found / invalid / conflict / upstream (details.maybe: it may have been created). */
export interface SilencePort {
  /** `matchers`: what the silence matches, e.g. `alertname="DiskFull", team="storage"`. */
  silence(incident: number, duration: string, actor: Actor): Promise<{ until: number; silenceId: string; matchers: string }>;
  unsilence(incident: number, actor: Actor): Promise<{ changed: boolean }>;
}

/** Maintenance windows (src/maintenance): throws HarkError not_found / invalid naming the problem. */
export interface MaintenancePort {
  start(req: { source: string; labels: string[]; duration: string; actor: Actor }): Promise<{ id: number; until: number }>;
  /** Ends the source's windows in force now; how many ended. */
  end(source: string, actor: Actor): Promise<number>;
}

export interface BotDeps {
  incidents: IncidentPort;
  members: MemberPort;
  chats: ChatPort;
  /**
   * Who may change a group's subscription to a source (issue 24, src/teams/manage.ts): admins and
   * the source's team leads, never a file-managed route.
   */
  routing: (member: Member, chatId: string, source: string) => Promise<{ ok: true } | { ok: false; text: string | null }>;
  /** Who may start or end a source's maintenance from the chat (issue 24): the refusal, or null. */
  maintains: (member: Member, source: string) => Promise<string | null>;
  cardMessages: CardMessagePort;
  commandOutcomes: CommandOutcomePort;
  pending: PendingPort;
  privately: PrivatePort;
  /** Silence/unsilence at Alertmanager. */
  silences: SilencePort;
  lark: Pick<LarkApi, 'sendCard' | 'sendText' | 'replyCard' | 'replyText' | 'getChat' | 'getMessageText'>;
  /** Declaring incidents by hand (issue 25). */
  declare: DeclarePort;
  state: SharedState;
  /** Where the link card's button goes: the web app inside Lark ({HARK_PUBLIC_URL}/h5). */
  linkUrl: string;
  clock: Clock;
  /** Escalate now, add a responder, notes (issue 14). */
  paging: Pick<Paging, 'escalate' | 'page' | 'note'>;
  /** Budget for answering a card click; Lark gives up at 3 s (docs/lark-notes.md §1.10). Absent: DEFAULT_CLICK_BUDGET_MS. */
  clickBudgetMs?: number;
  /** On-call schedules (`oncall`, Take over). */
  schedules: SchedulePort;
  /** "Link, then finish" for Take over (the web app offers to finish it after linking). */
  schedulePending: { rememberTakeOver(openId: string, schedule: string): Promise<unknown> };
  /** Maintenance windows (`maintain` / `unmaintain`). */
  maintenance: MaintenancePort;
  /** War rooms (the `room` command and button). */
  warRooms: WarRoomPort;
  /** Take over, reminder and declare buttons bound to their cards. */
  scheduleCards: ScheduleCardPort;
  /** Read receipts of private pages (issue 25, escalation/seen.ts). */
  seen: { read(openId: string, messageIds: readonly string[], readAt: number): Promise<number> };
  /** Insights (issue 27): the `report` card. */
  reports: { card(q: { team: string | null; window: string | null; chatId: string | null }, lang: 'en_us' | 'zh_cn' | 'both'): Promise<Record<string, unknown>> };
}

/** Declare an incident by hand (issue 25, src/incident/declare.ts). */
export interface DeclarePort {
  /** Every source's name (a private chat's picker). */
  sources(): Promise<string[]>;
  /** The sources of the team whose home group this is (null: no team calls it home; then the group's subscriptions decide). */
  homeTeamSources(chatId: string): Promise<{ team: string; sources: string[] } | null>;
  /** Every team, the member's own first (a private chat's team picker); empty: no teams, pick a source. */
  teams(memberId: number): Promise<Array<{ name: string; mine: boolean }>>;
  /** The sources a team owns (null: no team of that name). */
  teamSources(team: string): Promise<string[] | null>;
  /** Opens the incident on the source; throws HarkError invalid / not_found. Returns its number. */
  open(
    source: string,
    req: { title: string; severity: Severity | null; description: string | null; actor: Actor; from?: { messageId: string; chatName: string } | null },
  ): Promise<number>;
}
