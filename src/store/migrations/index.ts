import type { Migration } from 'kysely';
import * as m001 from './001-core.ts';
import * as m002 from './002-delivery.ts';
import * as m003 from './003-web.ts';
import * as m004 from './004-timers.ts';
import * as m005 from './005-command-outcomes.ts';

// Append new migrations here; names sort in the order they apply. Never edit one that has shipped.
export const migrations: Record<string, Migration> = {
  '001-core': m001,
  '002-delivery': m002,
  '003-web': m003,
  '004-timers': m004,
  '005-command-outcomes': m005,
};
