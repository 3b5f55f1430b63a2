// Public types of the card renderer. Kept separate so that other folders can import the types
// without pulling in the template loader.
import type { CardTemplates } from './templates.ts';

/**
 * Which texts a card carries.
 * - `both` (default): every translatable text has `content` (English, the fallback for any other
 *   client language) plus Lark's per-element `i18n_content: {en_us, zh_cn}`, so one card shows
 *   in the reader's client language. JSON 2.0 has no global `i18n_elements`, only per-element
 *   i18n (Feishu doc "配置卡片多语言": "卡片 JSON 2.0 结构不支持为卡片全局配置多语言").
 * - `en_us` / `zh_cn`: only `content` in that language (smaller cards, e.g. for a DM whose
 *   reader's language is known).
 */
export type Lang = 'en_us' | 'zh_cn' | 'both';

export type Severity = 'critical' | 'warning' | 'info';
export type IncidentStatus = 'triggered' | 'acknowledged' | 'resolved';

export interface IncidentView {
  number: number;
  title: string;
  status: IncidentStatus;
  /** ms epoch; when set and status triggered/acknowledged, the card shows "snoozed until". */
  snoozedUntil: number | null;
  severity: Severity;
  source: string;
  labels: Record<string, string>;
  startedAt: number;
  firingCount: number;
  alertCount: number;
  ackedBy: string | null;
  ackedAt: number | null;
  /** When the acknowledgement's time box ends (issue 25): "Acknowledged by Alice until 10:30". */
  ackedUntil?: number | null;
  resolvedBy: string | null;
  resolvedAt: number | null;
  description: string | null;
  links: { title: string; url: string }[];
  /** Link to the incident in the web app. */
  webUrl: string;
  nextEscalation: { level: number; at: number } | null;
  /** People added by hand (`page`, "Add responder"), and by whom (issue 14). */
  responders?: { name: string; by: string }[];
  /** The latest note on the timeline (issue 14). */
  latestNote?: { text: string; by: string; at: number } | null;
  /** Roster members the card's "Add responder" picker offers (linked responders and admins). */
  roster?: { id: number; name: string }[];
  /** The incident's war room once it is open: its group name and the link that opens it in Lark. */
  warRoom?: { name: string; url: string } | null;
  /** The incident's silence at Alertmanager (issue 16): shown while `until` is in the future. */
  silence?: { until: number; by: string } | null;
  /** Its source has an Alertmanager to silence at: the card offers "Silence ▾". */
  silenceable?: boolean;
  /** What a silence would match (`alertname="DiskFull", …`), and the required labels it lacks ('' when none: then it may be silenced). */
  silenceScope?: { matchers: string; missing: string } | null;
  /** The alert flaps (issue 26): "Flapping: 5 changes in 60 min" instead of a new card. */
  flapping?: { changes: number; minutes: number } | null;
  /** Issue 25: the people paged at the current level, and when each read their private card (null: not yet). */
  paged?: { level: number; people: { name: string; seenAt: number | null }[] } | null;
}

export interface RenderOptions {
  lang?: Lang;
  /** ms epoch used for "5 min ago"; defaults to Date.now(). Fix it in tests. */
  now?: number;
  /** IANA zone for absolute times; default 'UTC'. An unknown zone falls back to UTC. */
  timeZone?: string;
  /** Templates to use; default: the `cards/` directory at the repository root. */
  templates?: CardTemplates;
}

/** A rendered card: a Lark card JSON 2.0 object, ready for `JSON.stringify` as message content. */
export type Card = Record<string, unknown>;
