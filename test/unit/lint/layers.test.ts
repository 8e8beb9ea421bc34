import { ESLint } from 'eslint';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** The import-layers rule (`sluice/layers`, LAYERS in eslint.config.mjs), exercised on snippets. */
const eslint = new ESLint({ cwd: path.resolve(__dirname, '../../..') });

/**
 * The rule's messages for a snippet linted as if it were `filePath`. A probe path never exists on disk
 * (eslint.config.mjs admits it to TypeScript's default project, which takes at most 8 such files per
 * process): a file that does not parse fails here, rather than passing with no message.
 */
async function layerMessages(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.resolve(__dirname, '../../..', filePath) });
  expect(result!.messages.filter((m) => m.fatal).map((m) => m.message)).toEqual([]);
  return result!.messages.filter((m) => m.ruleId === 'sluice/layers').map((m) => m.message);
}

// Type-aware lint builds a TypeScript program first: slow on a busy 2-core machine.
describe('import layers lint', { timeout: 180_000 }, () => {
  it.each([
    [
      'the domain importing shared',
      'src/domain/lint-probe.ts',
      "import { LABELS } from '../shared/names';\nexport const l = LABELS;\n",
      /src\/domain may not import src\/shared\/names: it imports nothing else of src\//,
    ],
    [
      'shared importing the planner',
      'src/shared/lint-probe.ts',
      "import type { StatusEvent } from '../planner/status';\nexport type E = StatusEvent;\n",
      /src\/shared may not import src\/planner\/status/,
    ],
    [
      'activities importing the client',
      'src/activities/lint-probe.ts',
      "import { CliError } from '../client/errors';\nexport const e = CliError;\n",
      /src\/activities may not import src\/client\/errors/,
    ],
    [
      'activities importing an adapter',
      'src/activities/lint-probe.ts',
      "import { HttpProber } from './adapters/http/prober';\nexport const p = HttpProber;\n",
      /may not import src\/activities\/adapters\/http\/prober/,
    ],
    [
      'an adapter importing an activity',
      'src/activities/adapters/lint-probe.ts',
      "import { observe } from '../observe';\nexport const o = observe;\n",
      /src\/activities\/adapters may not import src\/activities\/observe/,
    ],
    [
      'the planner importing the deploy workflow',
      'src/planner/lint-probe.ts',
      "import type { deploy } from '../workflows/deploy';\nexport type D = typeof deploy;\n",
      /src\/planner may not import src\/workflows\/deploy/,
    ],
    [
      'the worker importing the client',
      'src/worker/lint-probe.ts',
      "export { CliError } from '../client/errors';\n",
      /src\/worker may not import src\/client\/errors/,
    ],
    [
      'workflow code importing the Node waits',
      'src/workflows/lint-probe.ts',
      "import { sleep } from '../timing/waits';\nexport const s = sleep;\n",
      /src\/workflows may not import src\/timing\/waits/,
    ],
    [
      'the local stack importing an adapter',
      'src/stack/lint-probe.ts',
      "import { renderCoreConfig } from '../activities/adapters/nginx/render';\nexport const r = renderCoreConfig;\n",
      /src\/stack may not import src\/activities/,
    ],
  ])('forbids %s', async (_name, file, code, message) => {
    const messages = await layerMessages(code, file);
    expect(messages.join('\n')).toMatch(message);
  });

  it.each([
    ['shared importing the domain', 'src/shared/lint-probe.ts', "import type { Outcome } from '../domain';\nexport type O = Outcome;\n"],
    [
      'an adapter importing a port and the safe file helpers',
      'src/activities/adapters/lint-probe.ts',
      "import type { TrafficRouter } from '../ports';\nimport { writeFileAtomically } from '../../files/safe-files';\nexport type R = TrafficRouter;\nexport const w = writeFileAtomically;\n",
    ],
    [
      'activities calling the planner',
      'src/activities/lint-probe.ts',
      "import { planDeployment } from '../planner/plan';\nexport const p = planDeployment;\n",
    ],
    [
      'workflows importing activities as types',
      'src/workflows/lint-probe.ts',
      "import type { SluiceActivities } from '../activities';\nexport type A = SluiceActivities;\n",
    ],
    [
      'the local stack importing the waits',
      'src/stack/lint-probe.ts',
      "import { pollUntil } from '../timing/waits';\nexport const p = pollUntil;\n",
    ],
    [
      'the worker importing the Temporal connection',
      'src/worker/lint-probe.ts',
      "import { temporalSettings } from '../temporal/connection';\nexport const t = temporalSettings;\n",
    ],
  ])('allows %s', async (_name, file, code) => {
    expect(await layerMessages(code, file)).toEqual([]);
  });
});
