import fs from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, larkAppUrls, loadConfig, type Config } from './config.ts';
import { openStore } from './store/db.ts';
import { migrateToLatest } from './store/migrate.ts';
import { CliError, listenError, portFlag, type PortChoice } from './cli/fail.ts';
import { COMMAND_HELP, OVERVIEW } from './cli/usage.ts';

type Env = Record<string, string | undefined>;
type Options = NonNullable<ParseArgsConfig['options']>;

const HELP: Options = { help: { type: 'boolean', short: 'h' } };

/** The version in package.json (dist/cli.js and src/cli.ts both sit one level below it). */
export function version(): string {
  return JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
}

function configOrThrow(env: Env, requireCredentials: boolean): Config {
  return loadConfig(env, { requireCredentials });
}

/** SIGTERM/SIGINT → graceful stop → exit 0; a second signal exits at once. */
export function stopOnSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write(`hark: ${signal} received, stopping\n`);
    stop().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`hark: stop failed: ${err?.stack ?? err}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

/** Parses one command's flags strictly: an unknown flag or a stray argument is a usage error. */
function parse(command: string, argv: string[], options: Options = {}) {
  try {
    return parseArgs({ args: argv, options: { ...HELP, ...options }, strict: true, allowPositionals: false });
  } catch (err) {
    throw new CliError(`${command}: ${(err as Error).message.split('\n')[0]} (hark ${command} --help lists the options)`);
  }
}

/** Runs `start` or another listening command; a busy port becomes one line naming the flag. */
async function listening<T>(choices: PortChoice[], run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw listenError(err, choices) ?? err;
  }
}

function portOf(env: Env, variable: string, fallback: number): number {
  const raw = env[variable];
  return raw && /^\d+$/.test(raw) ? Number(raw) : fallback;
}

type Command = (argv: string[], env: Env) => Promise<number | void>;

const COMMANDS: Record<string, Command> = {
  async start(argv, env) {
    const { values } = parse('start', argv, { port: { type: 'string' }, 'metrics-port': { type: 'string' } });
    if (values.help) return help('start');
    const port = portFlag(values.port as string | undefined, '--port');
    const metricsPort = portFlag(values['metrics-port'] as string | undefined, '--metrics-port');
    const config = configOrThrow({ ...env, HARK_PORT: port ?? env.HARK_PORT, HARK_METRICS_PORT: metricsPort ?? env.HARK_METRICS_PORT }, true);
    const { startHark } = await import('./main.ts');
    const choices = [
      { port: config.port, flag: '--port', variable: 'HARK_PORT' },
      ...(config.metricsPort !== null ? [{ port: config.metricsPort, flag: '--metrics-port', variable: 'HARK_METRICS_PORT' }] : []),
    ];
    const hark = await listening(choices, () => startHark(config));
    stopOnSignals(hark.stop);
  },
  async demo(argv, env) {
    const { values } = parse('demo', argv, { port: { type: 'string' }, 'emulator-port': { type: 'string' } });
    if (values.help) return help('demo');
    const demoEnv = {
      ...env,
      HARK_PORT: portFlag(values.port as string | undefined, '--port') ?? env.HARK_PORT,
      EMULATOR_PORT: portFlag(values['emulator-port'] as string | undefined, '--emulator-port') ?? env.EMULATOR_PORT,
    };
    const { runDemo } = await import('./demo.ts');
    const demo = await listening(
      [
        { port: portOf(demoEnv, 'HARK_PORT', 3000), flag: '--port', variable: 'HARK_PORT' },
        { port: portOf(demoEnv, 'EMULATOR_PORT', 9100), flag: '--emulator-port', variable: 'EMULATOR_PORT' },
      ],
      () => runDemo(demoEnv as NodeJS.ProcessEnv),
    );
    stopOnSignals(demo.stop);
  },
  async emulator(argv, env) {
    const { values } = parse('emulator', argv, { port: { type: 'string' } });
    if (values.help) return help('emulator');
    const emuEnv = { ...env, EMULATOR_PORT: portFlag(values.port as string | undefined, '--port') ?? env.EMULATOR_PORT };
    const { runEmulator } = await import('./emulator/index.ts');
    const emulator = await listening([{ port: portOf(emuEnv, 'EMULATOR_PORT', 9100), flag: '--port', variable: 'EMULATOR_PORT' }], () =>
      runEmulator(emuEnv),
    );
    stopOnSignals(() => emulator.close());
  },
  async urls(argv, env) {
    const { values } = parse('urls', argv);
    if (values.help) return help('urls');
    const config = configOrThrow(env, false);
    const urls = larkAppUrls(config.publicUrl);
    const host = new URL(config.publicUrl).hostname;
    if (['localhost', '127.0.0.1', '[::1]', '0.0.0.0'].includes(host)) {
      process.stderr.write(
        `hark: warning: HARK_PUBLIC_URL is ${config.publicUrl}${env.HARK_PUBLIC_URL ? '' : ' (the default)'}: ` +
          "Lark and employees' devices cannot reach it; set HARK_PUBLIC_URL to the address they use, e.g. https://hark.example.com\n",
      );
    }
    process.stdout.write(
      [
        `HARK_PUBLIC_URL=${config.publicUrl}`,
        '',
        `Events & Callbacks request URL (HTTP mode only): ${urls.callback}`,
        `Web app desktop and mobile homepage:             ${urls.webApp}`,
        `Security → redirect URL:                         ${urls.redirect}`,
        '',
      ].join('\n'),
    );
  },
  async migrate(argv, env) {
    const { values } = parse('migrate', argv);
    if (values.help) return help('migrate');
    const config = configOrThrow(env, false);
    const store = openStore(config.databaseUrl);
    try {
      const applied = await migrateToLatest(store.db);
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
    } finally {
      await store.close();
    }
  },
  async prune(argv, env) {
    const { values } = parse('prune', argv, { 'dry-run': { type: 'boolean' } });
    if (values.help) return help('prune');
    const config = configOrThrow(env, false);
    const store = openStore(config.databaseUrl);
    try {
      await migrateToLatest(store.db);
      const { buildRetention } = await import('./app.ts');
      const { createLogger } = await import('./log.ts');
      const dryRun = values['dry-run'] === true;
      const retention = buildRetention(config, store, { clock: { now: () => Date.now() }, logger: createLogger('warn') });
      const report = await retention.run({ dryRun });
      const out = process.stdout;
      out.write(
        report.before === null
          ? 'HARK_RETENTION_DAYS=0: every incident is kept\n'
          : `${dryRun ? 'would delete' : 'deleted'} resolved incidents resolved before ${new Date(report.before).toISOString()} (HARK_RETENTION_DAYS=${config.retentionDays})\n`,
      );
      const rows = Object.entries(report.counts);
      const width = Math.max(...rows.map(([t]) => t.length));
      for (const [table, n] of rows) out.write(`  ${table.padEnd(width)}  ${n}\n`);
      if (dryRun) out.write('dry run: nothing was changed\n');
    } finally {
      await store.close();
    }
  },
  async doctor(argv, env) {
    const { values } = parse('doctor', argv);
    if (values.help) return help('doctor');
    const { runDoctor } = await import('./doctor/index.ts');
    return runDoctor(env, (line) => process.stdout.write(`${line}\n`));
  },
  async config(argv, env) {
    const { runConfigCommand } = await import('./cli/config-command.ts');
    return runConfigCommand(argv, env, { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) });
  },
  async cards(argv) {
    const { runCardsCommand } = await import('./preview/cards-preview.ts');
    return runCardsCommand(argv);
  },
};

function help(command?: string): number {
  process.stdout.write(command ? COMMAND_HELP[command] : OVERVIEW);
  return 0;
}

async function dispatch(argv: string[], env: Env): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    const topic = command === 'help' ? rest[0] : undefined;
    if (topic && topic in COMMAND_HELP) return help(topic);
    if (topic === 'config') return COMMANDS.config(['--help'], env).then((c) => c ?? 0);
    if (topic === 'cards') return COMMANDS.cards(['--help'], env).then((c) => c ?? 0);
    return help();
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    process.stdout.write(`hark ${version()} (node ${process.versions.node})\n`);
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) throw new CliError(`unknown command "${command}" (hark --help lists the commands)`);
  return (await run(rest, env)) ?? 0;
}

export async function main(argv: string[], env: Env = process.env): Promise<void> {
  try {
    const code = await dispatch(argv, env);
    if (code) process.exitCode = code;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(err.problems.map((p) => `hark: ${p.message}\n`).join(''));
      process.exit(2);
    }
    if (err instanceof CliError) {
      process.stderr.write(`hark: ${err.message}\n`);
      process.exit(err.exitCode);
    }
    // A broken HARK_CARDS_DIR (TemplateError; not imported here, so --help stays light).
    if ((err as Error)?.name === 'TemplateError') {
      process.stderr.write(`hark: card template ${(err as Error).message}; fix it (see cards/README.md) or unset HARK_CARDS_DIR\n`);
      process.exit(2);
    }
    const busy = listenError(err, []);
    if (busy) {
      process.stderr.write(`hark: ${busy.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
