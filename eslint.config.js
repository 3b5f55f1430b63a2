import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Layering (docs: README "Layout"). Each rule names the folders it applies to; tests, benchmarks
// and scripts may import anything.
const SDK = { group: ['@larksuiteoapi/node-sdk', '@larksuiteoapi/node-sdk/*'], message: 'only src/lark/ talks to the Lark SDK; use its LarkApi / receiver instead' };
const EMULATOR = { group: ['**/emulator/*', '**/emulator'], message: 'the emulator stands in for Lark in tests and the demo; product code must not use it (shared card HTML: src/card-html/)' };
const ROUTER = { group: ['@koa/router'], message: 'only src/http/ builds routers; export services and let http/routes mount them' };
const INCIDENT = [
  { group: ['**/http/*', '**/http/**'], message: 'the incident domain does not know about HTTP' },
  { group: ['**/lark/*', '**/lark/**'], message: 'the incident domain does not know about Lark' },
  { group: ['**/store/*', '**/store/**'], allowTypeImports: true, message: 'the incident domain gets its repositories from the composition root (types only from src/store)' },
];
// Features never import the HTTP transport (issue 23): http/ mounts them, not the other way round.
const HTTP = { group: ['**/http/*', '**/http/**'], message: 'features do not import http/: export a service or a port and let http/routes mount it' };
// Only delivery writes the outbox: features send through delivery.send (docs/ARCHITECTURE.md "How a feature sends something").
const OUTBOX = { group: ['**/store/outbox-repo*'], allowTypeImports: true, message: 'only src/delivery/ writes the outbox: send through delivery.send({to, kind, card or incident})' };
// The store is storage: it imports no feature (types of the domain, incident/, are its model).
const FEATURES = ['bot', 'delivery', 'retention', 'escalation', 'paging', 'schedule', 'warroom', 'alertmanager', 'maintenance', 'ingest', 'auth', 'web', 'preview', 'doctor', 'timers', 'teams', 'http', 'lark'];
const NO_FEATURE = { group: FEATURES.flatMap((f) => [`**/${f}/*`, `**/${f}/**`]), message: 'src/store/ imports no feature: a decision belongs to the feature, the store only stores' };
const restrict = (patterns) => ({ '@typescript-eslint/no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'docs/**', 'coverage/**', 'dist/**', '.dist-*/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // Feature folders: no SDK, no emulator, no routers, no HTTP, no outbox writes.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/lark/**', 'src/emulator/**', 'src/http/**', 'src/incident/**', 'src/store/**', 'src/delivery/**', 'src/demo.ts', 'src/cli.ts', 'src/app.ts', 'src/app-types.ts', 'src/main.ts', 'src/auth/web-auth.ts'],
    rules: restrict([SDK, EMULATOR, ROUTER, HTTP, OUTBOX]),
  },
  { files: ['src/delivery/**/*.ts'], rules: restrict([SDK, EMULATOR, ROUTER, HTTP]) },
  // web-auth.ts implements http's Authenticator type (a type import; moving that type is left to a later change).
  { files: ['src/auth/web-auth.ts'], rules: restrict([SDK, EMULATOR, ROUTER, OUTBOX]) },
  { files: ['src/app.ts', 'src/app-types.ts', 'src/main.ts'], rules: restrict([SDK, EMULATOR, ROUTER]) },
  { files: ['src/store/**/*.ts'], rules: restrict([SDK, EMULATOR, ROUTER, NO_FEATURE]) },
  // One role per file, under 400 lines (docs/ARCHITECTURE.md).
  { files: ['src/**/*.ts'], rules: { 'max-lines': ['error', { max: 400 }] } },
  { files: ['src/incident/**/*.ts'], rules: restrict([SDK, EMULATOR, ROUTER, ...INCIDENT]) },
  // http/ builds the routers; lark/ owns the SDK; the emulator is Lark's stand-in (it builds its own routes).
  { files: ['src/http/**/*.ts'], rules: restrict([SDK, EMULATOR]) },
  { files: ['src/lark/**/*.ts'], rules: restrict([EMULATOR, ROUTER]) },
  { files: ['src/emulator/**/*.ts'], rules: restrict([SDK]) },
  // `hark demo` and `hark emulator` start the emulator on purpose; they still leave the SDK to lark/.
  { files: ['src/demo.ts', 'src/cli.ts'], rules: restrict([SDK, ROUTER]) },
  // SQL lives in src/store/ repositories: nothing else builds a query.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/store/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name=/^(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)$/]",
          message: 'SQL lives in src/store/: add an intention-revealing function to a repository there',
        },
        { selector: "TaggedTemplateExpression[tag.name='sql']", message: 'SQL lives in src/store/: add an intention-revealing function to a repository there' },
        { selector: "MemberExpression[object.name='sql'][property.name=/^(raw|ref|id|table|lit|join)$/]", message: 'sql.raw and friends live in src/store/: add an intention-revealing function to a repository there' },
        { selector: "MemberExpression[object.name='CompiledQuery']", message: 'raw compiled queries live in src/store/: add an intention-revealing function to a repository there' },
        { selector: "CallExpression[callee.property.name='executeQuery'], CallExpression[callee.property.name='compile'][callee.object.type='CallExpression']", message: 'raw compiled queries live in src/store/: add an intention-revealing function to a repository there' },
      ],
    },
  },
);
