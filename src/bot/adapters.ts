// Joins the bot's ports (ports.ts) to the real services: the incident service, delivery (chat
// directory, card copies) and the web app's pending actions. main.ts calls
// createBotDeps(...) and passes the result to createBot.
import type { Kysely } from 'kysely';
import type { PendingActions } from '../auth/pending-actions.ts';
import type { Delivery } from '../delivery/index.ts';
import { loadIncident } from '../delivery/views.ts';
import type { IncidentService } from '../incident/service.ts';
import { performOp } from '../incident/ops.ts';
import type { Clock } from '../incident/ports.ts';
import type { Member } from '../incident/types.ts';
import type { LarkApi } from '../lark/client.ts';
import type { IncidentView } from '../render/index.ts';
import type { SharedState } from '../state/index.ts';
import { abandonCommand, claimCommand, finishCommand, renewCommandClaim } from '../store/command-repo.ts';
import { findMemberByOpenId, linkedAdmins } from '../store/member-repo.ts';
import { bindScheduleCard, chatHasIncidentCard, schedulesOfCard } from '../store/ops-guard-repo.ts';
import { getIncident } from '../store/incident-repo.ts';
import { cardBindingsIn } from '../render/index.ts';
import { openIncidentsOfMember } from '../store/open-incidents.ts';
import { findSourceByName, listSources } from '../store/source-repo.ts';
import { declareIncident } from '../incident/declare.ts';
import { findTeamByName, listTeams, sourcesOfTeam, teamOfHomeChat, teamsOfMember } from '../store/team-repo.ts';
import { HarkError } from '../errors.ts';
import type { DB } from '../store/schema.ts';
import type { BotDeps, IncidentPort, MemberPort, OpRequest, OpResult } from './ports.ts';

/** The services the bot's ports join (ports.ts); the ones given as they are pass straight through. */
export interface BotWiring
  extends Pick<BotDeps, 'silences' | 'paging' | 'warRooms' | 'schedules' | 'schedulePending' | 'maintenance' | 'routing' | 'maintains' | 'seen' | 'reports'> {
  db: Kysely<DB>;
  incidents: IncidentService;
  delivery: Pick<Delivery, 'botPorts' | 'listener' | 'receiverFilter' | 'escalationPort' | 'openIncidentsFor'>;
  pending: Pick<PendingActions, 'remember'>;
  lark: LarkApi;
  state: SharedState;
  /** HARK_PUBLIC_URL: the web app (link button) and incident links on cards. */
  publicUrl: string;
  clock: Clock;
}

/** Incidents a list card shows at most (render LEVELS); the card counts the rest. */
const LIST_SHOWN = 20;

export function createBotDeps(w: BotWiring): BotDeps {
  const base = w.publicUrl.replace(/\/+$/, '');
  const { chats, cardMessages } = w.delivery.botPorts();
  return {
    incidents: incidentPort(w, base),
    members: memberPort(w.db),
    chats,
    cardMessages,
    commandOutcomes: {
      claim: (messageId, owner, staleMs) => claimCommand(w.db, messageId, owner, w.clock.now(), staleMs),
      renew: (messageId, owner) => renewCommandClaim(w.db, messageId, owner, w.clock.now()),
      finish: (messageId, outcome) => finishCommand(w.db, messageId, outcome, w.clock.now()),
      abandon: (messageId, owner) => abandonCommand(w.db, messageId, owner),
    },
    pending: w.pending,
    privately: {
      async card(openId, card) {
        // The person may not be a member yet (the link card): the open_id is all we know of them.
        await w.delivery.listener.notifyMember(w.db, { member: { name: openId, openId }, card });
      },
      async incidentCard(person, incidentNumber) {
        await w.delivery.escalationPort.notifyMember(w.db, { member: person, incidentNumber });
        w.delivery.escalationPort.wake();
      },
    },
    lark: w.lark,
    state: w.state,
    // Opening /h5 inside Lark logs in with Lark (OAuth), which links the account; the web app then
    // offers to finish the remembered action.
    linkUrl: `${base}/h5`,
    clock: w.clock,
    silences: w.silences,
    paging: w.paging,
    warRooms: w.warRooms,
    schedules: w.schedules,
    schedulePending: w.schedulePending,
    maintenance: w.maintenance,
    routing: w.routing,
    maintains: w.maintains,
    seen: w.seen,
    reports: w.reports,
    declare: {
      sources: async () => (await listSources(w.db)).map((s) => s.name),
      async homeTeamSources(chatId) {
        const team = await teamOfHomeChat(w.db, chatId);
        if (!team) return null;
        const sources = await sourcesOfTeam(w.db, team.id);
        return sources.length ? { team: team.name, sources } : null;
      },
      async teams(memberId) {
        const mine = new Set((await teamsOfMember(w.db, memberId)).map((t) => t.team.name));
        const all = (await listTeams(w.db)).map((t) => ({ name: t.name, mine: mine.has(t.name) }));
        return [...all.filter((t) => t.mine), ...all.filter((t) => !t.mine)];
      },
      async teamSources(name) {
        const team = await findTeamByName(w.db, name);
        return team ? sourcesOfTeam(w.db, team.id) : null;
      },
      async open(name, req) {
        const source = await findSourceByName(w.db, name);
        if (!source) throw new HarkError('not_found', `source: there is no source named "${name}"`);
        const from = req.from ? `a message in ${req.from.chatName || 'the group'} (${req.from.messageId})` : null;
        return declareIncident(w.incidents, source, { ...req, from });
      },
    },
    scheduleCards: scheduleCardPort(w.db, w.clock),
  };
}

/** Take over, reminder and declare buttons by the message id of the card that carries them (issues 29, 25). */
export function scheduleCardPort(db: Kysely<DB>, clock: Clock): BotDeps['scheduleCards'] {
  return {
    bind: (messageId, card) => bindScheduleCard(db, messageId, cardBindingsIn(card), clock.now()),
    schedulesOf: (messageId) => schedulesOfCard(db, messageId),
  };
}

function incidentPort(w: BotWiring, base: string): IncidentPort {
  const view = async (n: number): Promise<IncidentView | null> => (await loadIncident(w.db, n, base))?.view ?? null;
  const views = async (numbers: number[]): Promise<IncidentView[]> =>
    (await Promise.all(numbers.map(view))).filter((v): v is IncidentView => v !== null);

  return {
    async apply(req: OpRequest): Promise<OpResult> {
      // The callback answer shows the new version on the clicked copy (docs/lark-notes.md §1.8): delivery marks
      // that copy fresh in the change's own transaction instead of queueing an update of it.
      const r = await performOp(w.incidents, req.op, req.incident, req.actor, { duration: req.duration, hints: { answeredCopy: req.clickedMessageId ?? undefined } });
      return {
        changed: r.changed,
        by: r.by,
        number: r.incident.number,
        status: r.incident.status,
        snoozedUntil: r.incident.snoozedUntil,
        ackedUntil: r.incident.ackedUntil ?? null,
        version: r.incident.version,
        message: r.message,
      };
    },
    async ackerOf(number) {
      const inc = await w.incidents.find(number);
      return inc?.status === 'acknowledged' ? (inc.ackedBy?.id ?? null) : null;
    },
    extendAck: (number, duration, actor) => w.incidents.extendAck(number, duration, actor),
    handBack: (number, actor) => w.incidents.handBack(number, actor),
    view,
    async openForChat(chatId) {
      // What this group receives: the same routing as its cards (delivery/dispatch.ts), filtered in the query.
      const numbers = await w.delivery.openIncidentsFor(chatId);
      return { items: await views(numbers.slice(0, LIST_SHOWN)), total: numbers.length };
    },
    async openForMember(member: Member) {
      // "Mine" in a private chat: what this person acknowledged, plus what nobody has acknowledged yet.
      const { numbers, total } = await openIncidentsOfMember(w.db, member.id, LIST_SHOWN);
      return { items: await views(numbers), total };
    },
    async receivedIn(chatId, number) {
      if (await chatHasIncidentCard(w.db, number, chatId)) return true;
      const incident = await getIncident(w.db, number, false);
      return incident !== null && (await w.delivery.receiverFilter(chatId))(incident);
    },
  };
}

function memberPort(db: Kysely<DB>): MemberPort {
  return {
    async byOpenId(openId) {
      if (!openId) return null;
      return findMemberByOpenId(db, openId);
    },
    linkedAdmins: () => linkedAdmins(db),
  };
}
