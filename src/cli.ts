import { ConfigError, larkAppUrls, loadConfig } from './config.ts';
import { openStore } from './store/db.ts';
import { migrateToLatest } from './store/migrate.ts';

const USAGE = `hark — on-call chat operations for Lark

Usage: hark <command>

  start      run the service (needs LARK_APP_ID, LARK_APP_SECRET, HARK_SESSION_SECRET)
  demo       run the Lark emulator and Hark together on SQLite, seeded, and print what to open
  emulator   run the Lark emulator alone (port 9100, app cli_0123456789abcdef / emulator-secret)
  urls       print the URLs to paste into the Lark developer console for HARK_PUBLIC_URL
  migrate    apply pending database migrations to DATABASE_URL and exit
  cards preview [--out DIR]   draw every card template in every state to HTML and PNG (docs/cards/)
`;

function fail(message: string): never {
  process.stderr.write(`hark: ${message}\n`);
  process.exit(2);
}

function configOrExit(env: NodeJS.ProcessEnv, requireCredentials: boolean) {
  try {
    return loadConfig(env, { requireCredentials });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
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

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const env = process.env;
  switch (command) {
    case 'start': {
      const config = configOrExit(env, true);
      const { startHark } = await import('./main.ts');
      const hark = await startHark(config);
      stopOnSignals(hark.stop);
      return;
    }
    case 'demo': {
      const { runDemo } = await import('./demo.ts');
      const demo = await runDemo(env, rest);
      stopOnSignals(demo.stop);
      return;
    }
    case 'emulator': {
      const { runEmulator } = await import('./emulator/index.ts');
      const emulator = await runEmulator(env);
      stopOnSignals(() => emulator.close());
      return;
    }
    case 'urls': {
      const config = configOrExit(env, false);
      const urls = larkAppUrls(config.publicUrl);
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
      return;
    }
    case 'migrate': {
      const config = configOrExit(env, false);
      const store = openStore(config.databaseUrl);
      try {
        const applied = await migrateToLatest(store.db);
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
      } finally {
        await store.close();
      }
      return;
    }
    case 'cards': {
      const { runCardsCommand } = await import('./preview/cards-preview.ts');
      process.exitCode = await runCardsCommand(rest);
      return;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      fail(`unknown command "${command}"\n\n${USAGE}`);
  }
}
