import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/db.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { ChatDirectory } from '../../src/delivery/chats.ts';
import { runHark } from './run-cli.ts';

// `hark config validate|plan|apply|export` as an operator (or CI) runs them, on a SQLite file.

describe('hark config', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hark-config-'));
    const url = `sqlite:${path.join(dir, 'hark.db')}`;
    const store = openStore(url);
    await migrateToLatest(store.db);
    const chats = new ChatDirectory(store.db);
    await chats.botAdded('oc_sre', 'SRE on-call');
    await chats.botAdded('oc_pay', 'Payments on-call');
    await store.close();
    env = { DATABASE_URL: url, HARK_FROM_SOURCE: '1', HARK_TOKEN_PAYMENTS_AM: 'hark_from_the_environment_0123456789' };
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('validate needs no database and exits 1 naming file:line:column, the field and the fix', async () => {
    const ok = await runHark(['config', 'validate', '-f', 'examples/hark.yaml'], { HARK_FROM_SOURCE: '1', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(ok).toMatchObject({ code: 0, stdout: 'examples/hark.yaml: valid (2 teams, 3 members, 2 sources, 2 schedules)\n' });
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'members:\n  - {name: Bob, email: bob@example.com, role: admiral}\n');
    const r = await runHark(['config', 'validate', '-f', bad], { HARK_FROM_SOURCE: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`${bad}:2:47: members[0].role: must be one of "admin", "responder", "viewer", got "admiral"\nhark: 1 problem; nothing was changed\n`);
  }, 120_000);

  it('plan --exit-code, apply (tokens printed once), plan again, export round trip', async () => {
    const file = path.join(dir, 'hark.yaml');
    fs.writeFileSync(file, fs.readFileSync('examples/hark.yaml', 'utf8').replace('# token_env: HARK_TOKEN_PAYMENTS_AM', 'token_env: HARK_TOKEN_PAYMENTS_AM'));
    const plan = await runHark(['config', 'plan', '-f', file, '--exit-code'], env);
    expect(plan.code).toBe(2);
    expect(plan.stdout).toContain('+ source payments-am\n');
    expect(plan.stdout).toContain('Plan: 10 to create, 0 to change, 0 to delete.\n');

    const apply = await runHark(['config', 'apply', '-f', file], env);
    expect(apply.code).toBe(0);
    // Only the source without token_env gets a generated token.
    expect(apply.stdout).toMatch(/token of source demo \(shown once\): hark_\S+\n/);
    expect(apply.stdout).not.toContain('token of source payments-am');

    expect(await runHark(['config', 'plan', '-f', file, '--exit-code'], env)).toMatchObject({ code: 0, stdout: 'No changes: the database matches the configuration.\n' });

    const exported = await runHark(['config', 'export'], env);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain('token_env: HARK_TOKEN_PAYMENTS_AM');
    const again = path.join(dir, 'exported.yaml');
    fs.writeFileSync(again, exported.stdout);
    expect(await runHark(['config', 'plan', '-f', again, '--exit-code'], env)).toMatchObject({ code: 0 });

    // A change shows its fields.
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('min_severity: warning}', 'min_severity: critical}'));
    const changed = await runHark(['config', 'plan', '-f', file], env);
    expect(changed.stdout).toBe('~ source payments-am: routes\nPlan: 0 to create, 1 to change, 0 to delete.\n');
  }, 240_000);
});
