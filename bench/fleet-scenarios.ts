/**
 * `npm run bench:fleet-scenarios` (as root, like `npm run bench:fleet`): every fleet scenario of the
 * e2e and chaos tests, at volume, on a test fleet of three hosts under 200 requests/s through
 * HAProxy in front: each scenario repeats its deployment (v1 and v2 in turn) until at least 50,000
 * requests went through, and counts the failed ones. Then abort-to-stable across the three hosts,
 * and 30 services deployed at once across them (each worker's peak RSS, the largest history).
 * Writes the "Fleet scenarios at volume" section of docs/benchmarks.md.
 */
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import path from 'node:path';
import type { DeploymentStatus } from '../src/domain';
import { abortSignal, promoteUpdate, statusQuery, type DeployResult } from '../src/shared/messages';
import { deploymentWorkflowId, hostDeploymentWorkflowId } from '../src/shared/names';
import { stackSettings } from '../src/stack/settings';
import { startTemporal, stopTemporal } from '../src/stack/temporal';
import { LABELS } from '../src/shared/names';
import { fleetEngine, fleetWorld, type FixtureVersion, type FleetWorld } from '../test/support/fleet';
import { freePort, stackValue } from '../test/support/stack';
import { frontServesAll } from './fleet';
import { startLoad, type LoadRun, type LoadSummary } from './load/generator';
import { abortToStableMs, peakRssMb, percentile } from './measures';
import { measuredOn, PAGE, writeSection } from './page';

const RATE = 200;
const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
/** `--requests=N` for a quick look (the page is written only with the full 50,000). */
const MIN_REQUESTS = Number(arg('requests') ?? 50_000);
/** Long enough for MIN_REQUESTS at RATE, and a little more. */
const MIN_LOAD_MS = (MIN_REQUESTS / RATE) * 1000 + 5_000;
const LOST_AFTER = '5s';
const SERVICES_AT_ONCE = 30;

interface Scenario {
  name: string;
  /** What the scenario shows, for the page. */
  what: string;
  /** One deployment of the scenario, from what serves now; returns its outcome as the page shows it. */
  once(run: Run): Promise<string>;
}

interface Run {
  world: FleetWorld;
  client: Client;
  /** The version every host serves now, and the other one. */
  serving: FixtureVersion;
  next: FixtureVersion;
  /** The load of the scenario running now. */
  load?: LoadRun;
  /** Times from each abort accepted to the last request the aborted release answered (ms). */
  abortToStableMs: number[];
}

interface ScenarioResult {
  name: string;
  what: string;
  outcomes: Record<string, number>;
  load: LoadSummary;
  abortToStableMs: number[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A deployment's result, from its value or from the failure that carries it. */
async function resultOf(client: Client, workflowId: string): Promise<DeployResult> {
  try {
    return (await client.workflow.getHandle(workflowId).result()) as DeployResult;
  } catch (error) {
    if (error instanceof WorkflowFailedError) return (error.cause as { details?: DeployResult[] }).details![0]!;
    throw error;
  }
}

async function statusOf(client: Client, workflowId: string): Promise<DeploymentStatus | undefined> {
  return client.connection
    .withDeadline(Date.now() + 3000, () => client.workflow.getHandle(workflowId).query(statusQuery))
    .catch(() => undefined);
}

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 300_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ; await sleep(100)) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

async function start(run: Run, overrides: Record<string, unknown>, version = run.next): Promise<void> {
  const started = await run.world.sluice(['deploy', run.world.spec(version, overrides)]);
  if (started.code !== 0) throw new Error(`sluice deploy failed: ${started.stdout}${started.stderr}`);
}

/** Ends a deployment of the next version: every host serves it once it released. */
function settled(run: Run, result: DeployResult): string {
  if (result.outcome === 'released') [run.serving, run.next] = [run.next, run.serving];
  return result.outcome;
}

/** Waits until host `n` (1-based) of the fleet has begun its second step, then SIGKILLs its worker. */
async function killWorkerMidDeployment(run: Run, n: number): Promise<void> {
  const id = hostDeploymentWorkflowId(run.world.service, `host-${n}`);
  await until(`host-${n}'s deployment to reach its second step`, async () => {
    const status = await statusOf(run.client, id);
    return status?.step && status.step.number >= 2 && !status.outcome ? true : undefined;
  });
  await run.world.workers[n - 1]!.kill('SIGKILL');
}

const canary = { type: 'canary', steps: [{ setWeight: 50 }, { pause: {} }] };

async function canaryAtGate(run: Run): Promise<DeploymentStatus> {
  await start(run, { strategy: canary });
  const id = deploymentWorkflowId(run.world.service);
  return until('the canary to wait at its gate', async () => {
    const status = await statusOf(run.client, id);
    return status?.gate?.promotable ? status : undefined;
  });
}

const SCENARIOS: Scenario[] = [
  {
    name: 'rolling, one host at a time',
    what: 'hostsAtOnce: 1',
    async once(run) {
      await start(run, { fleet: { hostsAtOnce: 1 } });
      return settled(run, await resultOf(run.client, deploymentWorkflowId(run.world.service)));
    },
  },
  {
    name: 'lockstep canary, promoted',
    what: '50% on every host, one promote for the fleet',
    async once(run) {
      await canaryAtGate(run);
      const handle = run.client.workflow.getHandle(deploymentWorkflowId(run.world.service));
      await handle.executeUpdate(promoteUpdate, { args: [{ by: 'bench' }] });
      return settled(run, await resultOf(run.client, handle.workflowId));
    },
  },
  {
    name: 'lockstep canary, aborted',
    what: '50% on every host, then `abort`; abort-to-stable measured',
    async once(run) {
      await canaryAtGate(run);
      const handle = run.client.workflow.getHandle(deploymentWorkflowId(run.world.service));
      await handle.signal(abortSignal, { by: 'bench', reason: 'abort-to-stable' });
      const result = await resultOf(run.client, handle.workflowId);
      const abort = result.decisions.find((decision) => decision.kind === 'abort' && decision.result === 'accepted');
      // Measured now, from the answers so far: the next iteration's canary is the same release again.
      if (abort && result.stableRelease && run.load)
        run.abortToStableMs.push(abortToStableMs(run.load.records, run.load.startedAtEpochMs, Date.parse(abort.at), result.stableRelease));
      return settled(run, result);
    },
  },
  {
    name: 'a bad release failing on host 2',
    what: "host-2's worker cannot pull v3: refused, every host rolled back",
    async once(run) {
      await start(run, {}, 'v3');
      return (await resultOf(run.client, deploymentWorkflowId(run.world.service))).outcome;
    },
  },
  {
    name: "host 2's worker SIGKILLed mid-wave, restarted",
    what: 'the deployment finishes exactly once',
    async once(run) {
      await start(run, {});
      await killWorkerMidDeployment(run, 2);
      run.world.workers[1]!.start();
      return settled(run, await resultOf(run.client, deploymentWorkflowId(run.world.service)));
    },
  },
  ...(['continue', 'rollback'] as const).map((onHostLost): Scenario => ({
    name: `host 3's worker stopped, onHostLost: ${onHostLost}`,
    what: `host-3 lost mid-deployment (hostLostAfter ${LOST_AFTER}); its worker back after the fleet ended, host-3 ${onHostLost === 'continue' ? 'releases' : 'rolls back'}`,
    async once(run) {
      await start(run, { fleet: { hostsAtOnce: 1, onHostLost, hostLostAfter: LOST_AFTER } });
      await killWorkerMidDeployment(run, 3);
      const result = await resultOf(run.client, deploymentWorkflowId(run.world.service));
      run.world.workers[2]!.start();
      const back = await resultOf(run.client, hostDeploymentWorkflowId(run.world.service, 'host-3'));
      return `${settled(run, result)}, host-3 ${back.outcome}`;
    },
  })),
  {
    name: 'Temporal restarted mid-fleet',
    what: 'a lockstep canary, the Temporal server restarted at its timed pause',
    async once(run) {
      const steps = [{ setWeight: 50 }, { pause: { duration: '20s' } }, { setWeight: 100 }];
      await start(run, { strategy: { type: 'canary', steps } });
      // Read through the CLI, a connection of its own each time: this process's may not come back after the restart.
      const shown = async () => {
        const listed = await run.world.sluice(['--json', 'status', run.world.service]);
        return listed.code === 0 ? (JSON.parse(listed.stdout) as { status?: DeploymentStatus; result?: DeployResult }) : {};
      };
      await until('the canary to wait at its timed pause', async () => ((await shown()).status?.gate ? true : undefined));
      const settings = stackSettings();
      await stopTemporal(settings);
      await sleep(2000);
      await startTemporal(settings);
      const result = await until('the canary to end', async () => (await shown()).result, 600_000);
      return settled(run, result);
    },
  },
];

async function measureScenario(run: Run, scenario: Scenario): Promise<ScenarioResult> {
  run.abortToStableMs = [];
  const load = startLoad({ url: `${run.world.front.url}/`, ratePerSecond: RATE, newConnectionShare: 0.3, postShare: 0.3 });
  run.load = load;
  const outcomes: Record<string, number> = {};
  const started = Date.now();
  while (Date.now() - started < MIN_LOAD_MS) {
    const outcome = await scenario.once(run);
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  }
  await sleep(1000);
  const summary = await load.stop();
  const abortToStable = run.abortToStableMs;
  console.log(
    `${scenario.name}: ${JSON.stringify(outcomes)}; ${summary.failed} of ${summary.sent} requests failed ${JSON.stringify(summary.failures)}${abortToStable.length ? `; abort-to-stable p95 ${percentile(abortToStable, 95)} ms` : ''}`,
  );
  return { name: scenario.name, what: scenario.what, outcomes, load: summary, abortToStableMs: abortToStable };
}

interface ServicesAtOnce {
  released: number;
  wallMs: number;
  workerPeakRssMb: number[];
  largestFleetHistory: number;
  largestHostHistory: number;
}

/** 30 services, each a fleet of the three hosts, deployed at once (their first deployment, then a rolling one). */
async function servicesAtOnce(run: Run): Promise<ServicesAtOnce> {
  const services = await Promise.all(
    Array.from({ length: SERVICES_AT_ONCE }, async (_, index) => ({ name: `${run.world.service}-s${index + 1}`, port: await freePort() })),
  );
  const deployAll = async (version: FixtureVersion) => {
    const started = Date.now();
    // Started ten at a time: 30 CLI processes at once would measure the machine's process start, not sluice.
    for (let index = 0; index < services.length; index += 10)
      await Promise.all(
        services
          .slice(index, index + 10)
          .map(({ name, port }) =>
            run.world.sluice(['deploy', run.world.spec(version, { service: name, traffic: { listenPort: port, drainTimeout: '1s' } })]),
          ),
      );
    const results = await Promise.all(services.map(({ name }) => resultOf(run.client, deploymentWorkflowId(name))));
    return { released: results.filter((result) => result.outcome === 'released').length, wallMs: Date.now() - started };
  };
  await deployAll('v1');
  const second = await deployAll('v2');
  // A host a fleet never started (it stopped at an earlier wave) has no deployment: 0 events.
  const events = async (workflowId: string) =>
    (
      await run.client.workflow
        .getHandle(workflowId)
        .fetchHistory()
        .catch(() => undefined)
    )?.events?.length ?? 0;
  const fleetHistories = await Promise.all(services.map(({ name }) => events(deploymentWorkflowId(name))));
  const hostHistories = await Promise.all(
    services.flatMap(({ name }) => run.world.hosts.map((host) => events(hostDeploymentWorkflowId(name, host.name)))),
  );
  const result = {
    ...second,
    workerPeakRssMb: run.world.workers.map((worker) => peakRssMb(worker.pid()!)),
    largestFleetHistory: Math.max(...fleetHistories),
    largestHostHistory: Math.max(...hostHistories),
  };
  for (const host of run.world.hosts) {
    const engine = fleetEngine(host);
    const labels = services.map(({ name }) => `${LABELS.service}=${name}`);
    for (const label of labels) {
      const containers = await engine.listContainers({ all: true, filters: { label: [label] } });
      await Promise.all(containers.map((container) => engine.getContainer(container.Id).remove({ force: true })));
    }
  }
  console.log(`${SERVICES_AT_ONCE} services at once: ${JSON.stringify(result)}`);
  return result;
}

function section(results: ScenarioResult[], many: ServicesAtOnce): string {
  const count = (n: number) => n.toLocaleString('en-US');
  const failures = (load: LoadSummary) =>
    Object.entries(load.failures)
      .filter(([, n]) => n > 0)
      .map(([kind, n]) => `${n} ${kind}`)
      .join(', ') || '0';
  const rows = results.map(
    (r) =>
      `| ${r.name} | ${r.what} | ${Object.entries(r.outcomes)
        .map(([outcome, n]) => `${n} ${outcome}`)
        .join(
          ', ',
        )} | ${count(r.load.sent)} | ${failures(r.load)} | ${Math.round(r.load.latency.p50)} / ${Math.round(r.load.latency.p99)} / ${Math.round(r.load.latency.max)} ms |`,
  );
  const aborts = results.flatMap((r) => r.abortToStableMs).map(Math.round);
  const fewest = Math.min(...results.map((r) => r.load.sent));
  return [
    '## Fleet scenarios at volume',
    '',
    `Measured by \`npm run bench:fleet-scenarios\` ${measuredOn()}.`,
    'A test fleet of three hosts on this one machine (each its own dockerd, nginx and `sluice worker` process), 2 replicas per host, HAProxy in front (health checks every 500 ms, no retries).',
    `Each scenario repeats its deployment, v1 and v2 in turn, from the previous one's end, under ${RATE} requests/s through HAProxy (30% new connections, 30% POST) for ${Math.round(MIN_LOAD_MS / 1000)} s (the fewest requests of a scenario: ${count(fewest)}).`,
    '',
    '| scenario | what | deployments (outcome) | requests | failed | latency p50 / p99 / max |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    aborts.length
      ? `**Abort accepted → stable release alone on every host** (from the abort as the fleet workflow accepted it to the last answer of the aborted release through HAProxy, across the three hosts): p95 ${percentile(aborts, 95)} ms, max ${Math.max(...aborts)} ms over ${aborts.length} aborts.`
      : '**Abort accepted → stable release alone on every host**: no abort measured.',
    '',
    `**${SERVICES_AT_ONCE} services at once** across the three hosts (each service a fleet of the three; their first deployment, then v1 → v2 rolling, one host at a time, all started within seconds): ${many.released} of ${SERVICES_AT_ONCE} released in ${(many.wallMs / 1000).toFixed(1)} s; each host's worker peak RSS (VmHWM, since the worker's last start: host-2's and host-3's were restarted by the scenarios above) ${many.workerPeakRssMb.map((mb) => `${mb} MB`).join(', ')}; the largest history ${count(many.largestFleetHistory)} events for a fleet deployment, ${count(many.largestHostHistory)} for a host's.`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const only = arg('only')?.split(',');
  const world = await fleetWorld('bench-scenarios', { hosts: 3, withoutCredentials: ['host-2'] });
  const connection = await Connection.connect({ address: stackValue('TEMPORAL_ADDRESS') });
  const client = new Client({ connection, namespace: stackValue('TEMPORAL_NAMESPACE') });
  try {
    const first = await world.sluice(['deploy', world.spec('v1'), '--wait']);
    if (first.code !== 0) throw new Error(`the first deployment did not release:\n${first.stdout}${first.stderr}`);
    await frontServesAll(world.front.url);
    const run: Run = { world, client, serving: 'v1', next: 'v2', abortToStableMs: [] };
    const results: ScenarioResult[] = [];
    for (const scenario of SCENARIOS.filter((s) => !only || only.some((name) => s.name.includes(name))))
      results.push(await measureScenario(run, scenario));
    // The Temporal restart leaves this process's connection behind: a new one for what follows.
    const fresh = await Connection.connect({ address: stackValue('TEMPORAL_ADDRESS') });
    try {
      if (only && !only.includes('services')) return;
      const many = await servicesAtOnce({ ...run, client: new Client({ connection: fresh, namespace: stackValue('TEMPORAL_NAMESPACE') }) });
      if (!only && MIN_REQUESTS >= 50_000) {
        writeSection('## Fleet scenarios at volume', section(results, many));
        console.log(`wrote the "Fleet scenarios at volume" section of ${path.relative(process.cwd(), PAGE)}`);
      }
    } finally {
      await fresh.close();
    }
  } finally {
    await connection.close().catch(() => undefined);
    await world.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
