import type { Kysely, Transaction } from 'kysely';
import { DateTime } from 'luxon';
import type { Sending } from '../delivery/outbound.ts';
import { HarkError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { renderReportCard, type Card, type Lang } from '../render/index.ts';
import { findChat } from '../store/chat-repo.ts';
import { cancelReport, reportTeams, scheduleReport } from '../store/insights-repo.ts';
import type { DB } from '../store/schema.ts';
import type { Timer } from '../store/timer-repo.ts';
import { findTeamById, listTeams, type TeamSettings } from '../store/team-repo.ts';
import type { TimerPort } from '../timers/registry.ts';
import { DAY_MS, type Insights } from './index.ts';
import { sendPersonalWeeks } from './personal.ts';

// The weekly report (README "Insights"): a card per team in its home group at the team's report
// day and time (default Monday 09:30 in the team's zone), a durable timer of kind insights_report
// (one waiting row per team, so one replica posts it once), sent through delivery.send; and the
// same card on demand for `@Hark report [team] [7d|30d]` / `报告`. With each weekly card, everyone
// the week's incidents paged gets their own week privately (personal.ts).

export const REPORT_KIND = 'insights_report';
const DAYS: Record<string, number> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };
const DEFAULT_REPORT = { day: 'mon', at: '09:30' };

/** The next report time after `now`: the team's day and time on its own wall clock. */
export function nextReportAt(report: TeamSettings['report'], zone: string, now: number): number | null {
  if (report === null) return null;
  const r = report ?? DEFAULT_REPORT;
  const day = DAYS[String(r.day).slice(0, 3).toLowerCase()];
  const m = /^(\d{1,2}):(\d{2})$/.exec(String(r.at));
  if (!day || !m) return null;
  const base = DateTime.fromMillis(now, { zone }).startOf('day');
  for (let i = 0; i <= 7; i++) {
    const t = base.plus({ days: i });
    if (t.weekday !== day) continue;
    const at = t.set({ hour: Number(m[1]), minute: Number(m[2]) }).toMillis();
    if (at > now) return at;
  }
  return base.plus({ days: 8 }).toMillis();
}

export interface Reports {
  /** The report card on demand: team by name (null: the chat's team, else every team), window "7d"/"30d". */
  card(q: { team: string | null; window: string | null; chatId: string | null }, lang: Lang): Promise<Card>;
  /** Plans every team's next report that is not yet waiting (start-up, and after teams change). */
  /** Plans each team's next report; `move` also moves one already planned (its settings changed). */
  plan(db?: Kysely<DB>, move?: boolean): Promise<void>;
}

export function createReports(d: {
  db: Kysely<DB>;
  insights: Insights;
  delivery: Sending;
  timers: TimerPort;
  publicUrl: string;
  now: () => number;
  logger: Logger;
}): Reports {
  const render = async (db: Kysely<DB>, team: string | null, window: string, to: number, lang: Lang) => {
    const r = await d.insights.report({ team, window, to }, db);
    return renderReportCard(
      {
        team: r.team, timeZone: r.time_zone, from: Date.parse(r.from), to: Date.parse(r.to), incidents: r.incidents, previousIncidents: r.previous.incidents,
        mttaP50: r.mtta_p50_s, mttaP90: r.mtta_p90_s, mttrP50: r.mttr_p50_s, mttrP90: r.mttr_p90_s, ackedWithin5m: r.acked_within_5m,
        escalated: r.escalated, pages: r.pages, series: r.series, noisiest: r.noisiest, publicUrl: d.publicUrl.replace(/\/+$/, ''),
      },
      { lang, now: d.now() },
    );
  };

  const fire = async (trx: Transaction<DB>, timer: Timer, now: number): Promise<void> => {
    const teamId = (JSON.parse(timer.data ?? '{}') as { team?: number }).team;
    const team = typeof teamId === 'number' ? await findTeamById(trx, teamId) : null;
    if (!team) return;
    const next = nextReportAt(team.settings.report, team.timeZone, now);
    if (next !== null && team.homeChatId) {
      await scheduleReport(trx, team.id, next, now, false);
      d.timers.scheduled(next);
    } else {
      await cancelReport(trx, team.id, now);
    }
    const chat = team.homeChatId ? await findChat(trx, team.homeChatId) : null;
    if (!chat || chat.status !== 'active') {
      d.logger.warn({ team: team.name }, 'weekly report not posted: the team has no home group Hark is in');
    } else {
      const card = await render(trx, team.name, '7d', now, 'both');
      await d.delivery.send(trx, { to: { type: 'chat_id', id: chat.chatId, name: chat.name }, kind: 'notice', card });
      d.logger.info({ team: team.name }, 'weekly report queued');
    }
    // Everyone the week's incidents paged gets their own week privately, in this same firing.
    await sendPersonalWeeks(trx, d, team, now - 7 * DAY_MS, now, now);
  };
  d.timers.register(REPORT_KIND, fire);

  return {
    async card(q, lang) {
      const window = q.window ?? '7d';
      if (!/^(7|30)d$/.test(window)) throw new HarkError('invalid', `window: "${window}" is not 7d or 30d`);
      let team = q.team;
      if (team === null && q.chatId) team = (await listTeams(d.db)).find((t) => t.homeChatId === q.chatId)?.name ?? null;
      return render(d.db, team, window, d.now(), lang);
    },
    async plan(db = d.db, move = false) {
      const now = d.now();
      for (const t of await reportTeams(db)) {
        const at = nextReportAt(t.settings?.report, t.timeZone, now);
        if (at === null) continue;
        await scheduleReport(db, t.id, at, now, !move);
        d.timers.scheduled(at);
      }
    },
  };
}
