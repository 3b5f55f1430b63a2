// `hark doctor`: one line per check, exit 1 if any fails. Configuration first; when it is broken the
// checks that can still run (database, Redis, Lark) run on what could be read.
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { redactUrlsIn } from '../redact.ts';
import { checkDatabase, checkEventMode, checkLark, checkReadReceipts, checkRedis, type CheckResult } from './checks.ts';

const LABEL: Record<CheckResult['status'], string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', skip: 'skip' };

export function formatResult(r: CheckResult): string {
  // Every line once more through the URL redactor: no check prints a password, whatever it quotes.
  return `${LABEL[r.status]}  ${r.name}: ${redactUrlsIn(r.detail)}`;
}

export async function runChecks(env: Record<string, string | undefined>): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  let config: Config | null = null;
  try {
    config = loadConfig(env, { requireCredentials: true });
    results.push({ name: 'configuration', status: 'ok', detail: `valid for hark start (HARK_EVENT_MODE=${config.eventMode}, HARK_PUBLIC_URL=${config.publicUrl})` });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    results.push({ name: 'configuration', status: 'fail', detail: err.problems.map((p) => p.message).join('; ') });
    try {
      // The rest still runs on the values that could be read.
      config = loadConfig(env);
    } catch {
      config = null;
    }
  }
  if (!config) {
    for (const name of ['database', 'redis', 'lark credentials', 'lark bot', 'lark permissions', 'event mode', 'read receipts']) {
      results.push({ name, status: 'skip', detail: 'fix the configuration first' });
    }
    return results;
  }
  const [database, redis, lark] = await Promise.all([checkDatabase(config), checkRedis(config), checkLark(config)]);
  const databaseOk = database.status === 'ok' && !database.detail.includes('does not exist yet');
  results.push(database, redis, ...lark, checkEventMode(config), await checkReadReceipts(config, databaseOk));
  return results;
}

/** Prints each check and answers the exit code: 1 if any failed. */
export async function runDoctor(env: Record<string, string | undefined>, print: (line: string) => void): Promise<number> {
  const results = await runChecks(env);
  for (const r of results) print(formatResult(r));
  const failed = results.filter((r) => r.status === 'fail').length;
  print(failed ? `${failed} check(s) failed` : 'all checks passed');
  return failed ? 1 : 0;
}
