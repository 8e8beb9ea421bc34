/**
 * `npm run record:histories`: runs the deploy workflow through representative
 * scenarios and stores each history in test/replay/histories/. replay.test.ts
 * replays them against the current code, so a change to the workflow's command
 * sequence that is not guarded by patched() fails CI.
 *
 * Record anew only when a change is meant to break old histories (and bump the
 * file names' version); otherwise keep the old files: they are the contract.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { abortSignal, pauseSignal, promoteUpdate, resumeSignal } from '../../src/shared/messages';
import type { DeploymentHandle } from '../../src/temporal/deployments';
import { loadStackEnv } from '../../src/stack/env-file';
import { stackSettings } from '../../src/stack/settings';
import { timeSkippingEnvironment } from '../support/temporal';
import { FakeWorld } from '../workflows/support/fake-world';
import { Harness, uniqueSpec } from '../workflows/support/harness';

type Scenario = {
  name: string;
  world: () => FakeWorld;
  spec: Parameters<typeof uniqueSpec>[0];
  drive?: (handle: DeploymentHandle, harness: Harness) => Promise<void>;
};

const scenarios: Scenario[] = [
  {
    name: 'rolling-released',
    world: () => new FakeWorld({ release: 'v1', slots: [0, 1] }),
    spec: { replicas: 2, migrations: { directory: 'migrations', contract: 'auto' } },
  },
  { name: 'first-deploy-released', world: () => new FakeWorld(), spec: { replicas: 2 } },
  {
    name: 'recreate-released',
    world: () => new FakeWorld({ release: 'v1', slots: [0] }),
    spec: { replicas: 1, strategy: { type: 'recreate' } },
  },
  {
    name: 'canary-promoted',
    world: () => new FakeWorld({ release: 'v1', slots: [0, 1] }),
    spec: {
      replicas: 2,
      strategy: {
        type: 'canary',
        steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }, { analysis: { interval: '30s', count: 2 } }],
      },
    },
    drive: async (handle, harness) => {
      await harness.waitForGate(handle, 'canaryPause');
      await handle.executeUpdate(promoteUpdate, { args: [{ by: 'recorder' }] });
    },
  },
  {
    name: 'canary-aborted',
    world: () => new FakeWorld({ release: 'v1', slots: [0, 1] }),
    spec: { replicas: 2, migrations: { directory: 'migrations' }, strategy: { type: 'canary', steps: [{ setWeight: 50 }, { pause: {} }] } },
    drive: async (handle, harness) => {
      await harness.waitForGate(handle, 'canaryPause');
      await handle.signal(pauseSignal, { by: 'recorder' });
      await handle.signal(resumeSignal, { by: 'recorder' });
      await handle.signal(abortSignal, { by: 'recorder', reason: 'recording an abort' });
    },
  },
  {
    name: 'blue-green-promoted',
    world: () => new FakeWorld({ release: 'v1', slots: [0] }),
    spec: { replicas: 1, strategy: { type: 'blueGreen', preview: { header: 'X-Preview' }, scaleDownDelay: '5m' } },
    drive: async (handle, harness) => {
      await harness.waitForGate(handle, 'promotion');
      await handle.executeUpdate(promoteUpdate, { args: [{ by: 'recorder' }] });
    },
  },
  {
    name: 'rolling-failed-rolled-back',
    world: () => new FakeWorld({ release: 'v1', slots: [0, 1] }).failOn(/^wait .*\[1\]$/),
    spec: { replicas: 2 },
  },
  {
    name: 'contract-failed-forward-only',
    world: () => new FakeWorld({ release: 'v1', slots: [0, 1] }).failOn('migrate contract'),
    spec: { replicas: 2, migrations: { directory: 'migrations', contract: 'auto' } },
  },
  {
    name: 'cancelled-at-gate',
    world: () => new FakeWorld({ release: 'v1', slots: [0] }),
    spec: { replicas: 1, strategy: { type: 'blueGreen' } },
    drive: async (handle, harness) => {
      await harness.waitForGate(handle, 'promotion');
      await handle.cancel();
    },
  },
];

/** The file name's version: bump it when recording after a change meant to break older histories (keep the old files). */
const VERSION = 'v2';

async function main(): Promise<void> {
  loadStackEnv(stackSettings(process.env, path.resolve(__dirname, '..', '..')).stateDir);
  const target = path.resolve(__dirname, 'histories');
  const bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-record-'));
  const bundlePath = path.join(bundleDir, 'bundle.js');
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error };
  fs.writeFileSync(
    bundlePath,
    (await bundleWorkflowCode({ workflowsPath: path.resolve(__dirname, '../../src/workflows/index.ts'), logger: quiet })).code,
  );
  const env = await timeSkippingEnvironment();
  const harness = new Harness(env, bundlePath);
  try {
    for (const scenario of scenarios) {
      const history = await harness.withWorker(scenario.world(), async (taskQueue) => {
        const handle = await harness.start(taskQueue, uniqueSpec({ ...scenario.spec, service: `replay-${scenario.name}` }));
        await scenario.drive?.(handle, harness);
        await handle.result();
        return handle.fetchHistory();
      });
      const file = path.join(target, `${scenario.name}.${VERSION}.json`);
      fs.writeFileSync(file, `${historyToJSON(history)}\n`);
      console.log(`recorded ${path.relative(process.cwd(), file)} (${history.events?.length} events)`);
    }
  } finally {
    await env.teardown();
    fs.rmSync(bundleDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
