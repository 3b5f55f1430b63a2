import type { Migration } from 'kysely';
import * as m001 from './001-core.ts';
import * as m002 from './002-delivery.ts';
import * as m003 from './003-web.ts';
import * as m004 from './004-timers.ts';
import * as m005 from './005-command-outcomes.ts';
import * as m006 from './006-schedules.ts';
import * as m007 from './007-paging.ts';
import * as m008 from './008-war-rooms.ts';
import * as m009 from './009-alertmanager.ts';
import * as m010 from './010-command-claims.ts';
import * as m011 from './011-silence-attempts.ts';
import * as m012 from './012-ops-guards.ts';
import * as m013 from './013-schedule-revisions.ts';
import * as m015 from './015-maintenance.ts';
import * as m016 from './016-noise.ts';
import * as m017 from './017-ack-timebox.ts';
import * as m019 from './019-source-noise.ts';
import * as m020 from './020-teams.ts';
import * as m023 from './023-config-file.ts';
import * as m025 from './025-pages.ts';
import * as m027 from './027-history-indexes.ts';
import * as m029 from './029-retention.ts';
import * as m031 from './031-insights.ts';
import * as m032 from './032-insight-days.ts';
import * as m034 from './034-insight-entries.ts';

// Append new migrations here; names sort in the order they apply. Never edit one that has shipped.
export const migrations: Record<string, Migration> = {
  '001-core': m001,
  '002-delivery': m002,
  '003-web': m003,
  '004-timers': m004,
  '005-command-outcomes': m005,
  '006-schedules': m006,
  '007-paging': m007,
  '008-war-rooms': m008,
  '009-alertmanager': m009,
  '010-command-claims': m010,
  '011-silence-attempts': m011,
  '012-ops-guards': m012,
  '013-schedule-revisions': m013,
  '015-maintenance': m015,
  '016-noise': m016,
  '017-ack-timebox': m017,
  '019-source-noise': m019,
  '020-teams': m020,
  '023-config-file': m023,
  '025-pages': m025,
  '027-history-indexes': m027,
  '029-retention': m029,
  '031-insights': m031,
  '032-insight-days': m032,
  '034-insight-entries': m034,
};
