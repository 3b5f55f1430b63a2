import os from 'node:os';
import { parseArgs } from 'node:util';
import { ConfigFileError, loadConfigPath } from '../config-file/load.ts';
import { formatChange, summary } from '../config-file/plan.ts';
import { HarkError } from '../errors.ts';
import { CliError } from './fail.ts';

// `hark config validate|plan|apply|export` (README "Teams and configuration as code"). validate
// reads only the file; the others open DATABASE_URL through buildHark, so an apply moves schedule
// notices and heartbeat checks exactly as the API does. Exit codes: 0 done, 1 invalid file or
// refused apply, 2 (plan --exit-code) something would change.

type Env = Record<string, string | undefined>;
type Out = { out: (s: string) => void; err: (s: string) => void };

export const CONFIG_HELP = `Usage: hark config <validate|plan|apply|export> [options]

Configuration as code: teams, members, sources (routing, escalation, Alertmanager, heartbeat,
war room, noise) and schedules in one YAML file or a folder of them (docs/hark.schema.json).

  hark config validate -f FILE            check the file; needs no database; exit 1 when invalid
  hark config plan -f FILE [--prune] [--exit-code]
                                          what applying would change: + create, ~ change (fields), - delete;
                                          with --exit-code, exit 2 when something would change
  hark config apply -f FILE [--prune]     apply it in one transaction, all or nothing; --prune deletes
                                          objects an earlier file declared and this one no longer does
                                          (never objects made by hand); prints new sources' tokens once
  hark config export [--team T]           the database as a file that plans as no change

Options:
  -f, --file PATH   a YAML file, or a folder of *.yaml files read as one configuration
  --prune           (plan, apply) also delete config-managed objects missing from the file
  --exit-code       (plan) exit 2 when the plan is not empty
  --team T          (export) only team T, its people, sources and schedules
  -h, --help        show this help

plan, apply and export use DATABASE_URL; a source's token_env is read from this environment.
`;

export async function runConfigCommand(argv: string[], env: Env, io: Out): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.out(CONFIG_HELP);
    return 0;
  }
  if (!['validate', 'plan', 'apply', 'export'].includes(sub)) throw new CliError(`config: unknown subcommand "${sub}" (hark config --help lists them)`);
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: rest,
      options: { help: { type: 'boolean', short: 'h' }, file: { type: 'string', short: 'f' }, prune: { type: 'boolean' }, 'exit-code': { type: 'boolean' }, team: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new CliError(`config ${sub}: ${(err as Error).message.split('\n')[0]} (hark config --help lists the options)`);
  }
  if (values.help) {
    io.out(CONFIG_HELP);
    return 0;
  }
  if (sub !== 'export' && typeof values.file !== 'string') throw new CliError(`config ${sub}: give the file with -f FILE (a YAML file or a folder of them)`);
  try {
    if (sub === 'validate') {
      const loaded = loadConfigPath(values.file as string);
      const c = loaded.config;
      io.out(`${loaded.files.join(', ')}: valid (${c.teams.length} teams, ${c.members.length} members, ${c.sources.length} sources, ${c.schedules.length} schedules)\n`);
      return 0;
    }
    const loaded = sub === 'export' ? null : loadConfigPath(values.file as string);
    return await withHark(env, async (hark) => {
      if (sub === 'export') {
        io.out(await hark.configFile.export(values.team as string | undefined));
        return 0;
      }
      const caller = { kind: 'admin_token' as const, name: `hark config ${sub} (${os.userInfo().username}@${os.hostname()})` };
      if (sub === 'plan') {
        const changes = await hark.configFile.plan(loaded!, { prune: values.prune === true, caller });
        io.out(changes.map((c) => `${formatChange(c)}\n`).join('') + `${summary(changes)}\n`);
        return values['exit-code'] && changes.length ? 2 : 0;
      }
      const r = await hark.configFile.apply(loaded!, { prune: values.prune === true, caller });
      io.out(r.changes.map((c) => `${formatChange(c)}\n`).join('') + (r.changes.length ? `Applied: ${r.changes.length} changes (revision ${r.revision}).\n` : `${summary(r.changes)}\n`));
      for (const t of r.tokens) io.out(`token of source ${t.source} (shown once): ${t.token}\n`);
      return 0;
    });
  } catch (err) {
    if (err instanceof ConfigFileError) {
      io.err(`${err.message}\n`);
      io.err(`hark: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}; nothing was changed\n`);
      return 1;
    }
    if (err instanceof HarkError) {
      io.err(`hark: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

async function withHark<T>(env: Env, run: (hark: import('../app.ts').HarkApp) => Promise<T>): Promise<T> {
  const { loadConfig } = await import('../config.ts');
  const { buildHark } = await import('../app.ts');
  const { createLogger } = await import('../log.ts');
  // These commands make no Lark call; buildHark still builds the SDK client, which wants credentials.
  const config = loadConfig({ ...env, LARK_APP_ID: env.LARK_APP_ID || 'cli_config_command', LARK_APP_SECRET: env.LARK_APP_SECRET || env.LARK_APP_SECRET_FILE ? env.LARK_APP_SECRET : 'unused' }, { requireCredentials: false });
  const hark = await buildHark(config, { logger: createLogger('silent'), configEnv: env });
  try {
    return await run(hark);
  } finally {
    await hark.stop();
  }
}
