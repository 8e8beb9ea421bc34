/**
 * `npm run demo`: the first command of the quickstart. On a fresh machine it
 * brings up the local stack (Temporal + Web UI, Docker, nginx, PostgreSQL),
 * builds the fixture app, runs a sluice worker, deploys v1 of the demo service,
 * then a canary of v2 (10% -> pause -> promoted by this script -> 50% -> 100%),
 * showing progress. The stack and the Web UI stay up afterwards.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import path from 'node:path';
import { connectClient } from '../src/temporal/connection';
import { deploymentHandle, startDeployment } from '../src/temporal/deployments';
import { follow } from '../src/client/follow';
import { describeOutcome } from '../src/client/progress';
import { loadSpecFile } from '../src/client/spec-file';
import { promoteUpdate } from '../src/shared/messages';
import { validateSpec } from '../src/planner/spec';
import { describeStatus } from '../src/planner/status';
import { stackUp } from '../src/stack';
import { MissingPrerequisite } from '../src/stack/errors';
import { fixtureImage } from '../src/stack/fixtures';
import { stackSettings } from '../src/stack/settings';
import { sleep } from '../src/timing/waits';
import { realAdapters } from '../src/worker/adapters';
import { workerConfig } from '../src/worker/config';
import { createWorkers, runWorkers } from '../src/worker/worker';

const started = Date.now();
const say = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`);

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  say('bringing up the local stack (first run installs what is missing; this can take a few minutes)');
  const stack = await stackUp(stackSettings());
  Object.assign(process.env, stack);
  const config = workerConfig(process.env, path.resolve(__dirname, '..'));
  // The demo is one host: one worker, on the shared task queue.
  const workers = await createWorkers({ ...config, host: undefined }, realAdapters(config));
  say(`worker polling task queue ${config.taskQueue}`);
  const running = runWorkers(workers);
  const stopped = running.then(() => {
    throw new Error('the worker stopped before the demo finished');
  });
  try {
    await Promise.race([deployDemo(config.temporal, config.taskQueue, stack.SLUICE_TEMPORAL_UI!), stopped]);
  } finally {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  }
}

async function deployDemo(temporal: ReturnType<typeof workerConfig>['temporal'], taskQueue: string, ui: string): Promise<void> {
  const client = await connectClient(temporal);
  const file = loadSpecFile(path.resolve(__dirname, '..', 'examples', 'specs', 'demo.yaml'));
  if (!file.ok) throw new Error(`examples/specs/demo.yaml is invalid: ${JSON.stringify(file.problems)}`);
  const service = file.spec.service;
  const link = `${ui}/namespaces/${temporal.namespace}/workflows/${encodeURIComponent(`deploy/${service}`)}`;

  for (const [step, image] of [
    ['v1', fixtureImage('v1')],
    ['v2', fixtureImage('v2')],
  ] as const) {
    const document = { ...(file.document as Record<string, unknown>), image };
    const spec = validateSpec(document);
    if (!spec.ok) throw new Error(JSON.stringify(spec.problems));
    say(`deploying ${image} (${step === 'v1' ? 'first deployment: starts at full size' : 'canary'})`);
    const handle = await startDeployment(client, spec.spec, { spec: document, requestedBy: 'npm run demo' }, taskQueue);
    say(`follow it in the Web UI: ${link}`);
    let promoted = false;
    const result = await follow(handle, {
      onStatus: async (status) => {
        say(describeStatus(status));
        if (status.gate?.kind === 'canaryPause' && status.gate.until === undefined && !promoted) {
          promoted = true;
          say('the canary waits for a person; the demo answers for you, as `sluice promote demo` would, in 3 seconds');
          await sleep(3000);
          const answer = await deploymentHandle(client, service).executeUpdate(promoteUpdate, {
            args: [{ by: 'npm run demo', reason: 'demo' }],
          });
          say(`promote: ${answer.message}`);
        }
      },
    });
    say(`${image}: ${describeOutcome(result)}; serving ${result.serving}`);
    if (result.outcome !== 'released') throw new Error(`the demo deployment of ${image} did not release`);
  }
  const seen: Record<string, number> = {};
  for (let i = 0; i < 20; i++) {
    const response = await fetch(`http://127.0.0.1:${file.spec.traffic.listenPort}/`);
    await response.text();
    const release = response.headers.get('x-release') ?? '?';
    seen[release] = (seen[release] ?? 0) + 1;
  }
  say(`20 requests to http://127.0.0.1:${file.spec.traffic.listenPort}/ were answered by: ${JSON.stringify(seen)}`);
  say(`done. The Web UI stays up: ${link}`);
  say('stop everything with `npm run stack:down`');
}

main().catch((error: unknown) => {
  console.error(error instanceof MissingPrerequisite ? `demo: ${error.message}` : error);
  process.exit(error instanceof MissingPrerequisite ? 2 : 1);
});
