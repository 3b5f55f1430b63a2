// What `hark --help` and `hark <command> --help` print. Every command answers --help and does
// nothing else; the texts name the environment variables each flag stands for.

export const OVERVIEW = `hark — on-call chat operations for Lark

Usage: hark <command> [options]

Commands:
  start      run the service (needs LARK_APP_ID, LARK_APP_SECRET, HARK_SESSION_SECRET)
  demo       run the Lark emulator and Hark together on SQLite, seeded, and print what to open
  emulator   run the Lark emulator alone (port 9100, app cli_0123456789abcdef / emulator-secret)
  urls       print the URLs to paste into the Lark developer console for HARK_PUBLIC_URL
  migrate    apply pending database migrations to DATABASE_URL and exit
  prune      delete resolved incidents older than HARK_RETENTION_DAYS now (--dry-run: count only)
  doctor     check configuration, database, Redis and the Lark app; one line per check
  config     config validate|plan|apply|export -f FILE: teams, people, sources and schedules as code
  cards      cards preview [--out DIR]: draw every card template in every state (docs/cards/)

Options:
  -h, --help       show help (hark <command> --help for a command's options)
  -v, --version    print the version

Configuration is environment variables (see the README); secrets may come from files with the
_FILE suffix, e.g. LARK_APP_SECRET_FILE=/run/secrets/lark_app_secret.
`;

export const COMMAND_HELP: Record<string, string> = {
  start: `Usage: hark start [--port N] [--metrics-port N]

Runs the service: the HTTP API and web app, the Lark long connection (HARK_EVENT_MODE=ws), the
delivery worker and the timers. Applies pending migrations first. SIGTERM drains (up to ~20 s)
and exits 0.

Options:
  --port N           HTTP port (default: HARK_PORT, 3000)
  --metrics-port N   serve /metrics on this port only (default: HARK_METRICS_PORT; unset: on the HTTP port)
  -h, --help         show this help

Needs LARK_APP_ID, LARK_APP_SECRET (or LARK_APP_SECRET_FILE) and HARK_SESSION_SECRET.
Check a setup first with: hark doctor
`,
  demo: `Usage: hark demo [--port N] [--emulator-port M]

Runs the Lark emulator and Hark together on a fresh SQLite database (HARK_DEMO_DB, default
./data/demo.db), seeds three people and two groups, applies examples/hark.yaml (two teams, their
sources, routing, escalation and schedules), fires an incident, and prints the URLs to open.

Options:
  --port N            Hark's HTTP port (default: HARK_PORT, 3000)
  --emulator-port M   the emulator's port (default: EMULATOR_PORT, 9100)
  -h, --help          show this help
`,
  emulator: `Usage: hark emulator [--port N]

Runs the Lark emulator alone: app cli_0123456789abcdef, secret emulator-secret; point Hark at it
with LARK_DOMAIN=http://127.0.0.1:N.

Options:
  --port N     port (default: EMULATOR_PORT, 9100)
  -h, --help   show this help

Also read: EMULATOR_HOST, EMULATOR_APP_ID, EMULATOR_APP_SECRET, EMULATOR_TIME_SCALE,
EMULATOR_CALLBACK_URL, EMULATOR_ENCRYPT_KEY, EMULATOR_VERIFICATION_TOKEN.
`,
  urls: `Usage: hark urls

Prints the three URLs a Lark app needs for HARK_PUBLIC_URL: the Events & Callbacks request URL
(HTTP mode only), the web app homepage and the OAuth redirect URL. Warns when HARK_PUBLIC_URL is
still the localhost default, which employees' devices cannot reach.

Options:
  -h, --help   show this help
`,
  migrate: `Usage: hark migrate

Applies pending database migrations to DATABASE_URL and exits (hark start does it too; a lock
keeps replicas that start together from colliding).

Options:
  -h, --help   show this help
`,
  prune: `Usage: hark prune [--dry-run]

Deletes now what the daily retention job deletes: resolved incidents resolved more than
HARK_RETENTION_DAYS days ago (default 400; 0 keeps every incident) with their alerts, timeline,
card copies, pending presses, war-room and silence rows, in small batches; and expired sessions,
pending presses and old command outcomes. Prints what it deleted per table.

Options:
  --dry-run    change nothing; print what would be deleted
  -h, --help   show this help
`,
  doctor: `Usage: hark doctor

Checks the setup, one line per check, and exits 1 if any fails: configuration; the database
(reachable, migrated); Redis (when REDIS_URL is set); the Lark app: credentials (a tenant
token), the bot, the permissions Hark needs (each missing scope named, with the console page to
grant it), and event-mode consistency. Changes nothing.

Options:
  -h, --help   show this help
`,
};
