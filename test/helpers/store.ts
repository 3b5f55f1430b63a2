import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/db.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';

export const PG_URL = process.env.HARK_TEST_DATABASE_URL;

if (!PG_URL) {
  console.warn('[hark tests] HARK_TEST_DATABASE_URL is not set: PostgreSQL variants of the store tests are skipped');
}

export interface TestEngine {
  name: 'sqlite' | 'postgres';
  skip: boolean;
  /** A freshly migrated, empty store; call cleanup() when done. */
  open(): Promise<TestStore>;
}

export interface TestStore extends Store {
  url: string;
  schema?: string;
  cleanup(): Promise<void>;
}

export async function openSqliteTestStore(): Promise<TestStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hark-test-'));
  const url = `sqlite:${path.join(dir, 'hark.db')}`;
  const store = openStore(url);
  await migrateToLatest(store.db);
  return {
    ...store,
    url,
    cleanup: async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Each call gets its own PostgreSQL schema, so runs never see each other's rows. */
export async function openPostgresTestStore(): Promise<TestStore> {
  if (!PG_URL) throw new Error('HARK_TEST_DATABASE_URL is not set');
  const schema = `hark_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const store = openStore(PG_URL, { schema });
  await migrateToLatest(store.db);
  return {
    ...store,
    url: PG_URL,
    schema,
    cleanup: async () => {
      await store.close();
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

export const testEngines: TestEngine[] = [
  { name: 'sqlite', skip: false, open: openSqliteTestStore },
  { name: 'postgres', skip: !PG_URL, open: openPostgresTestStore },
];
