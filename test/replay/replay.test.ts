import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';

/** Histories recorded by `npm run record:histories` must replay on the current workflow code. */
const dir = path.resolve(__dirname, 'histories');
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();
const load = (file: string) => historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));

describe('recorded deploy histories', () => {
  it('cover the scenarios worth guarding', () => {
    expect(files.map((f) => f.replace(/\.v\d+\.json$/, ''))).toEqual(
      expect.arrayContaining([
        'rolling-released',
        'canary-promoted',
        'canary-aborted',
        'blue-green-promoted',
        'rolling-failed-rolled-back',
        'recreate-released',
        'first-deploy-released',
        'contract-failed-forward-only',
        'cancelled-at-gate',
      ]),
    );
  });

  it.each(files)('%s replays deterministically', async (file) => {
    const history = load(file);
    expect(history.events?.length).toBeGreaterThan(20);
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') }, replayName: file }, history);
  });

  it('a planner that now plans differently (an extra step, other release ids) replays deployments recorded with their plan unchanged', async () => {
    const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
    const loader = path.resolve(__dirname, 'fixtures/changed-planner-loader.cjs');
    const { code } = await bundleWorkflowCode({
      workflowsPath: path.resolve(__dirname, '../../src/workflows/index.ts'),
      logger: quiet,
      webpackConfigHook: (config) => ({
        ...config,
        module: {
          ...config.module,
          rules: [...(config.module?.rules ?? []), { test: /planner[\\/](plan|release)\.ts$/, use: [{ loader }] }],
        },
      }),
    });
    const recordedWithPlan = files.filter((file) => !file.endsWith('.v1.json'));
    expect(recordedWithPlan.length).toBeGreaterThanOrEqual(7);
    for (const file of recordedWithPlan) await Worker.runReplayHistory({ workflowBundle: { code }, replayName: file }, load(file));
    // The change is real: a deployment that planned inside the workflow (before plans were recorded) would not replay under it.
    await expect(
      Worker.runReplayHistory({ workflowBundle: { code }, replayName: 'planned-in-workflow' }, load('rolling-released.v1.json')),
    ).rejects.toBeInstanceOf(DeterminismViolationError);
  });

  it('would catch an unguarded change to the command sequence', async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: path.resolve(__dirname, 'fixtures/nondeterministic-workflows.ts'),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    });
    await expect(
      Worker.runReplayHistory({ workflowBundle: { code }, replayName: 'nondeterministic' }, load('rolling-released.v1.json')),
    ).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
