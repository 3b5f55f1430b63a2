import type { Migration } from 'kysely';
import * as m001 from './001-core.ts';

// Append new migrations here; names sort in the order they apply. Never edit one that has shipped.
export const migrations: Record<string, Migration> = {
  '001-core': m001,
};
