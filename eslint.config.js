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
  // Feature folders: no SDK, no emulator, no routers.
  { files: ['src/**/*.ts'], ignores: ['src/lark/**', 'src/emulator/**', 'src/http/**', 'src/incident/**', 'src/demo.ts', 'src/cli.ts'], rules: restrict([SDK, EMULATOR, ROUTER]) },
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
      ],
    },
  },
);
