/**
 * Lint that guards two things `npm run check` promises:
 *
 * 1. Temporal's determinism rules. Code under src/workflows, src/planner and src/shared runs in Temporal's
 *    deterministic sandbox and is replayed from history: no Node built-ins (no I/O), only the
 *    @temporalio/workflow and @temporalio/common SDK packages, and activities imported only with
 *    `import type` (workflows call them through proxyActivities). The planner
 *    (src/planner) is pure: no @temporalio import at all, so it is unit-tested without
 *    Temporal. (Lint cannot see the rest: only ApplicationFailure is thrown from workflow code,
 *    time comes from the workflow API, and a change to the command sequence is guarded by
 *    patched(); test/replay keeps recorded histories replaying.)
 * 2. The layers of src/ (LAYERS below): a layer imports only layers under it, so the folders
 *    form no cycle and the domain, at the bottom, depends on nothing. A local rule checks it
 *    (`sluice/layers`): no-restricted-imports matches the text of an import, not the file it
 *    resolves to, so the same import reads differently from each depth of a folder.
 */
import js from '@eslint/js';
import { builtinModules } from 'node:module';
import path from 'node:path';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/** Workflow and shared code run in Temporal's deterministic sandbox: no Node, no side-effect SDK parts. */
const sandboxRestrictions = {
  paths: nodeBuiltins.map((name) => ({
    name,
    message: 'Workflow and shared code is deterministic: no Node built-ins (move I/O into an activity).',
  })),
  patterns: [
    {
      group: ['@temporalio/activity', '@temporalio/client', '@temporalio/worker', '@temporalio/testing'],
      message: 'Only @temporalio/workflow and @temporalio/common belong in workflow code.',
    },
    {
      group: ['**/activities', '**/activities/**'],
      allowTypeImports: true,
      message: 'Workflow code may import activities only with `import type` (call them through proxyActivities).',
    },
  ],
};

/**
 * The layers of src/, bottom-up. Each key is a folder or module under src/ (no extension); a file
 * belongs to the most specific key that contains it. A file may import its own layer and what lies
 * under the paths listed for its layer, nothing else of src/: lower layers never import higher ones.
 * A new folder under src/ gets a key here (the rule reports files that belong to none).
 */
const LAYERS = {
  // The words every layer speaks: release, slot, step, routing, gate, status, outcome, port claims. Pure data.
  domain: [],
  // Reading and writing files someone else can write to (Node): for the adapters and the local stack.
  files: [],
  // Waiting with Node timers: a sleep that cancellation ends, a poll with a time limit (workflow code uses Temporal's sleep).
  timing: [],
  // The spec's shared fields, message definitions, names, failure types (sandbox code).
  shared: ['domain'],
  // The AES-256-GCM payload codec and the codec server.
  codec: ['domain', 'shared'],
  // The strategies (each its schema and its plan), the whole spec, pure planning: spec + what runs -> steps, rollback, status.
  planner: ['domain', 'shared'],
  // What the activities need from the world, as interfaces.
  'activities/ports': ['domain', 'shared'],
  // The activities: side effects through the ports only (planning calls the planner).
  activities: ['domain', 'shared', 'timing', 'planner', 'activities/ports'],
  // The ports on real components (docker, nginx, http, knex), with the activities' failure helpers.
  'activities/adapters': ['domain', 'shared', 'files', 'timing', 'activities/ports', 'activities/failures'],
  // The workflows: deterministic; activities with `import type` only (sandboxRestrictions).
  workflows: ['domain', 'shared', 'planner', 'activities'],
  // Connection settings (address, namespace, TLS, API key, codec) and deployment handles, for client and worker.
  temporal: ['domain', 'shared', 'codec', 'planner', 'workflows'],
  // The local stack for the demo, `sluice dev` and tests.
  stack: ['domain', 'shared', 'files', 'timing'],
  // Settings from the environment, real adapters, the worker, the reconciler.
  worker: ['domain', 'shared', 'codec', 'temporal', 'activities'],
  // The CLI, on top.
  client: ['domain', 'shared', 'timing', 'codec', 'planner', 'temporal', 'workflows', 'worker', 'stack'],
};

const SRC = path.join(import.meta.dirname, 'src');

/** A path under src/, with / separators and no extension; starts with `..` outside src/. */
function underSrc(file) {
  return path
    .relative(SRC, file)
    .split(path.sep)
    .join('/')
    .replace(/\.[cm]?[jt]sx?$/, '');
}

const within = (file, key) => file === key || file.startsWith(`${key}/`);
const layerOf = (file) =>
  Object.keys(LAYERS)
    .filter((key) => within(file, key))
    .sort((a, b) => b.length - a.length)[0];

/** `sluice/layers`: resolves every relative import of a file under src/ and checks it against LAYERS. */
const layersRule = {
  meta: {
    type: 'problem',
    schema: [],
    messages: {
      upward:
        'src/{{layer}} may not import src/{{target}}: it imports {{allowed}} (LAYERS in eslint.config.mjs: lower layers never import higher ones).',
      noLayer: 'src/{{file}} belongs to no layer: add its folder to LAYERS in eslint.config.mjs.',
    },
  },
  create(context) {
    const file = underSrc(context.filename);
    if (file.startsWith('..')) return {};
    const layer = layerOf(file);
    if (!layer) return { Program: (node) => context.report({ node, messageId: 'noLayer', data: { file } }) };
    const allowed = LAYERS[layer];
    const check = (node) => {
      if (node?.type !== 'Literal' || typeof node.value !== 'string' || !node.value.startsWith('.')) return;
      const target = underSrc(path.resolve(path.dirname(context.filename), node.value));
      if (target.startsWith('..') || layerOf(target) === layer || allowed.some((key) => within(target, key))) return;
      const data = {
        layer,
        target,
        allowed: allowed.length ? `only ${allowed.map((key) => `src/${key}`).join(', ')}` : 'nothing else of src/',
      };
      context.report({ node, messageId: 'upward', data });
    };
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      TSExternalModuleReference: (node) => check(node.expression),
    };
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.sluice/**', 'fixtures/**', 'bench/results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // lint-probe.ts files never exist on disk: test/unit/lint lints them as text to prove these rules fire.
        projectService: {
          allowDefaultProject: ['*.mjs', 'bin/*.js', 'src/*/lint-probe.ts', 'src/activities/adapters/lint-probe.ts'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { sluice: { rules: { layers: layersRule } } },
    rules: { 'sluice/layers': 'error' },
  },
  {
    files: ['src/workflows/**/*.ts', 'src/shared/**/*.ts', 'src/domain/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', sandboxRestrictions] },
  },
  {
    files: ['src/planner/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          ...sandboxRestrictions,
          patterns: [
            ...sandboxRestrictions.patterns,
            { group: ['@temporalio/*'], message: 'The planner is pure: no Temporal imports at all (it is unit-tested without Temporal).' },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  { files: ['**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['bin/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, sourceType: 'commonjs', globals: globals.node },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
  // Migrations are users' CommonJS files, loaded by knex at run time; webpack loaders are CommonJS too.
  {
    files: ['**/migrations/**/*.js', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, sourceType: 'commonjs', globals: globals.node },
  },
);
