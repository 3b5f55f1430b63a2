import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../incident/ports.ts';
import { SEVERITIES, type Severity } from '../incident/types.ts';
import { atLeast } from '../incident/severity.ts';
import type { Incident } from '../incident/types.ts';
import { openIncidentsOf } from '../store/open-incidents.ts';
import type { LarkApi } from '../lark/client.ts';
import type { Logger } from '../log.ts';
import type { SharedState } from '../state/index.ts';
import { ChatDirectory } from './chats.ts';
import type { DB } from '../store/schema.ts';
import { deliveryConfig, type DeliveryConfig } from './config.ts';
import type { EscalationDelivery } from '../escalation/ports.ts';
import { chatReceives } from './dispatch.ts';
import { Outbox, type Outbound } from './outbound.ts';
import { deliveryEscalationPort } from './escalation-port.ts';
import { displayMatchers } from './matchers.ts';
import { DeliveryListener } from './listener.ts';
import { incidentOfMessage } from '../store/card-repo.ts';
import { installIdOf, pendingCount } from '../store/outbox-repo.ts';
import { sourceNames } from '../store/source-repo.ts';
import { SlotPacer } from './pacer.ts';
import { endStorm } from './storm.ts';
import { defaultRenderer, type DeliveryObserver, type DeliveryRenderer, type SentHook } from './sender.ts';
import { DeliveryWorker, Doorbell } from './worker.ts';

export { DeliveryListener, type MemberTarget, type NotifyMemberRequest, type NotifyMemberResult } from './listener.ts';
export { DeliveryWorker } from './worker.ts';
export { defaultRenderer, messageUuid, type DeliveryRenderer, type SentHook } from './sender.ts';
export { deliveryConfig, defaultDeliveryConfig, type DeliveryConfig } from './config.ts';
export { ChatDirectory } from './chats.ts';
export { priorityFor, type Outbound, type SendKind, type Sending } from './outbound.ts';

export interface DeliveryDeps {
  store: { db: Kysely<DB>; engine: 'sqlite' | 'postgres' };
  state: SharedState;
  lark: LarkApi;
  logger: Logger;
  clock: Clock;
  /** Card renderer; default: src/render with both languages. */
  render?: DeliveryRenderer;
  config?: Partial<DeliveryConfig>;
  /** Worker identity in leases; default: random per process. */
  owner?: string;
  /** Told how each delivery attempt ended (metrics) and of each page delivered (insights). */
  observe: DeliveryObserver;
}

/** Delivery with its worker (DeliveryOutbox.withWorker). */
export interface Delivery extends DeliveryOutbox {
  readonly worker: DeliveryWorker;
}

/**
 * The writing side of delivery, built before the features that send (they take it); its worker is
 * built after them (`withWorker`), since what happens once a message is sent is theirs.
 */
export interface DeliveryOutbox {
  /** Pass to the IncidentService as its listener: outbox rows in the change's transaction. */
  readonly listener: DeliveryListener;
  readonly chats: ChatDirectory;
  readonly config: DeliveryConfig;
  /**
   * Sends something (docs/ARCHITECTURE.md "How a feature sends something"): a message written in
   * the caller's transaction, its priority chosen from its kind, the worker woken. The only way
   * anything outside delivery puts a message in the outbox.
   */
  send(db: Kysely<DB>, message: Outbound): Promise<void>;
  /** Wake the worker now (e.g. after committing a transaction that queued card updates). */
  notify(): void;
  /** Records Lark's group list (start-up). Never throws: logs and returns null on failure. */
  syncChats(): Promise<{ active: number; added: string[]; removed: string[] } | null>;
  /** Outbox rows not yet sent (metrics, /readyz detail, tests). */
  pending(): Promise<number>;
  /**
   * Builds the outbox worker (the one of this delivery). `afterSend` is told after every message
   * Lark accepted (war rooms: pin the room's card, add paged people; handoff notices: bind their buttons).
   */
  withWorker(afterSend: readonly SentHook[]): Delivery;
  /**
   * Open incidents one chat receives, newest first, by the routing rule of its cards
   * (delivery/dispatch.ts): every one of them, however many others are open (`@Hark list`).
   */
  openIncidentsFor(chatId: string): Promise<number[]>;
  /** The routing rule for one chat (delivery/dispatch.ts): whether it receives an incident. */
  receiverFilter(chatId: string): Promise<(incident: Pick<Incident, 'sourceId' | 'severity' | 'labels'>) => boolean>;
  /** Escalation's port into delivery: private and group cards, card refreshes, "has the card". */
  readonly escalationPort: EscalationDelivery;
  /** Delivery's timer kinds (buildHark registers them): `storm_end`. */
  readonly timerHandlers: Readonly<Record<string, (trx: Kysely<DB>, timer: { data: string | null }, now: number) => Promise<void>>>;
  /** Ports for the chat-operations bot (src/bot/ports.ts). */
  botPorts(): { chats: BotChatPort; cardMessages: { incidentOf(messageId: string): Promise<number | null>; refresh(messageId: string): Promise<void> } };
}

/** Structural copy of src/bot/ports.ts ChatPort, so delivery does not import the bot. */
export interface BotChatPort {
  botAdded(chatId: string, name: string): Promise<void>;
  botGone(chatId: string, why: 'removed' | 'disbanded'): Promise<void>;
  name(chatId: string): Promise<string>;
  subscriptions(chatId: string): Promise<{ source: string; minSeverity: Severity; labels: Record<string, string> }[]>;
  subscribe(chatId: string, source: string, minSeverity: Severity): Promise<void>;
  unsubscribe(chatId: string, source: string): Promise<boolean>;
  sourceNames(): Promise<string[]>;
  postCard(chatId: string, card: object, key: string): Promise<void>;
}

/**
 * Builds delivery's writing side for buildHark; `withWorker` then builds its worker. Nothing starts
 * here: call `worker.start()` once the app is up, `await syncChats()` if wanted, and `await
 * worker.stop()` on shutdown (it finishes in-flight sends).
 */
export function createDelivery(deps: DeliveryDeps): DeliveryOutbox {
  const config = deliveryConfig(deps.config);
  const clock = () => deps.clock.now();
  const log = deps.logger.child({ component: 'delivery' });
  const db = deps.store.db;
  const postgres = deps.store.engine === 'postgres';
  const owner = deps.owner ?? `w-${crypto.randomBytes(5).toString('hex')}`;
  const chats = new ChatDirectory(db, clock);

  let installId: Promise<string> | null = null;
  const loadInstallId = () =>
    (installId ??= installIdOf(db).catch((err) => {
        installId = null;
        throw err;
      }));

  // Writers ring, the worker (built later by withWorker) answers: one wake path.
  const doorbell = new Doorbell();
  const notify = () => doorbell.ring();
  const outbox = new Outbox(clock, notify);
  const listener = new DeliveryListener(chats, config, clock, notify, outbox);
  const sender = {
    db,
    postgres,
    lark: deps.lark,
    render: deps.render ?? defaultRenderer(clock),
    pacer: new SlotPacer({ state: deps.state, clock, pacing: config.pacing, horizonMs: 3000, owner }),
    minute: {
      send: deps.state.rateLimiter({ name: 'lark-send-minute', points: config.appPerMinute, durationMs: 60_000 }),
      patch: deps.state.rateLimiter({ name: 'lark-patch-minute', points: config.appPerMinute, durationMs: 60_000 }),
    },
    config,
    clock,
    log,
    owner,
    observe: deps.observe,
    installId: loadInstallId,
  };

  const writer: DeliveryOutbox = {
    listener,
    chats,
    config,
    escalationPort: deliveryEscalationPort({ listener, notify, outbox }, deps.clock),
    send: (db, message) => outbox.send(db, message),
    timerHandlers: {
      storm_end: async (trx, timer, now) => {
        if (await endStorm(trx, config, timer, now)) notify();
      },
    },
    notify,
    async syncChats() {
      try {
        const r = await chats.syncChats(deps.lark);
        log.info(r, 'chats synchronised with Lark');
        return r;
      } catch (err) {
        log.warn({ err }, 'could not list Lark chats; keeping the known ones');
        return null;
      }
    },
    pending: () => pendingCount(db),
    withWorker: (afterSend) => ({
      ...writer,
      worker: new DeliveryWorker({ db, postgres, sender: { ...sender, afterSend }, doorbell, config, clock, log, owner }),
    }),
    async receiverFilter(chatId) {
      const chat = await chats.get(chatId);
      if (!chat) return () => false;
      const subscriptions = await chats.subscriptionsOf(chatId);
      return (incident) => chatReceives(incident, chat, subscriptions);
    },
    async openIncidentsFor(chatId) {
      const chat = await chats.get(chatId);
      if (!chat) return [];
      const subscriptions = await chats.subscriptionsOf(chatId);
      // Source and severity in the query; label matchers (regular expressions) by the same rule as the cards.
      const candidates = await openIncidentsOf(
        db,
        subscriptions.map((s) => ({ sourceId: s.sourceId, severities: SEVERITIES.filter((v) => atLeast(v, s.minSeverity)) })),
      );
      return candidates.filter((i) => chatReceives(i, chat, subscriptions)).map((i) => i.number);
    },
    botPorts: () => ({
      chats: {
        botAdded: (chatId, name) => chats.botAdded(chatId, name),
        botGone: (chatId, why) => (why === 'disbanded' ? chats.disbanded(chatId) : chats.botRemoved(chatId)),
        name: async (chatId) => (await chats.get(chatId))?.name ?? chatId,
        subscriptions: async (chatId) =>
          (await chats.subscriptionsOf(chatId)).map((s) => {
            const labels = displayMatchers(s.labels);
            return {
              source: s.source,
              minSeverity: s.minSeverity,
              labels: Array.isArray(labels) ? Object.fromEntries(labels.map((l, i) => [`#${i + 1}`, l])) : labels,
            };
          }),
        subscribe: async (chatId, source, minSeverity) => {
          // A command from the group proves the bot is there, even if we missed its bot-added event.
          if ((await chats.get(chatId))?.status !== 'active') await chats.botAdded(chatId);
          await chats.subscribe(chatId, source, { minSeverity });
        },
        unsubscribe: (chatId, source) => chats.unsubscribe(chatId, source),
        sourceNames: () => sourceNames(db),
        postCard: async (chatId, card, key) => {
          const name = (await chats.get(chatId))?.name ?? null;
          await outbox.send(db, { to: { type: 'chat_id', id: chatId, name }, kind: 'notice', card, key: `card:${key}` });
        },
      },
      cardMessages: {
        incidentOf: (messageId) => incidentOfMessage(db, messageId),
        refresh: (messageId) => listener.refreshCopy(db, messageId),
      },
    }),
  };
  return writer;
}
