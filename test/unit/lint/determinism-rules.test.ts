import { ESLint } from 'eslint';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** The lint rules that guard Temporal's determinism (eslint.config.mjs), exercised on snippets. */
const eslint = new ESLint({ cwd: path.resolve(__dirname, '../../..') });

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.resolve(__dirname, '../../..', filePath) });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

// The first lint builds the TypeScript program for type-aware rules: seconds on an idle machine,
// much longer on a busy 2-core one. The test checks which rules fire, not how fast.
describe('determinism lint', { timeout: 180_000 }, () => {
  it('forbids Node built-ins in workflow code', async () => {
    const messages = await ruleIds("import fs from 'node:fs';\nexport const x = fs;\n", 'src/workflows/lint-probe.ts');
    expect(messages.join('\n')).toMatch(/no-restricted-imports.*no Node built-ins/);
  });

  it('forbids the activity, client, worker and testing SDK packages in shared code', async () => {
    for (const pkg of ['@temporalio/activity', '@temporalio/client', '@temporalio/worker', '@temporalio/testing']) {
      const messages = await ruleIds(`import * as x from '${pkg}';\nexport const y = x;\n`, 'src/shared/lint-probe.ts');
      expect(messages.join('\n'), pkg).toMatch(/Only @temporalio\/workflow/);
    }
  });

  it('forbids every @temporalio import in the planner, even @temporalio/workflow', async () => {
    const messages = await ruleIds("import { sleep } from '@temporalio/workflow';\nexport const s = sleep;\n", 'src/planner/lint-probe.ts');
    expect(messages.join('\n')).toMatch(/planner is pure/);
  });

  it('allows @temporalio/workflow outside the planner', async () => {
    const messages = await ruleIds(
      "import { sleep } from '@temporalio/workflow';\nexport const s = sleep;\n",
      'src/workflows/lint-probe.ts',
    );
    expect(messages.filter((m) => m.includes('no-restricted-imports'))).toEqual([]);
  });

  it('forbids value imports of activities in workflow code but allows import type', async () => {
    const value = await ruleIds(
      "import { createActivities } from '../activities';\nexport const a = createActivities;\n",
      'src/workflows/lint-probe.ts',
    );
    expect(value.join('\n')).toMatch(/import type/);
    const typeOnly = await ruleIds(
      "import type { SluiceActivities } from '../activities';\nexport type A = SluiceActivities;\n",
      'src/workflows/lint-probe.ts',
    );
    expect(typeOnly.filter((m) => m.includes('no-restricted-imports'))).toEqual([]);
  });

  it('flags floating promises everywhere', async () => {
    const messages = await ruleIds(
      'async function work(): Promise<void> {}\nexport function run(): void {\n  work();\n}\n',
      'src/client/lint-probe.ts',
    );
    expect(messages.join('\n')).toMatch(/no-floating-promises/);
  });
});
