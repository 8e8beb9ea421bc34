/**
 * The benchmark scenarios. Each runs on a service of its own (3 replicas of
 * the fixture app) under a steady open-model load, deploying again and again
 * for the profile's load time, and reports the load's figures next to each
 * deployment's. The baseline does what a naive `docker compose up -d` does:
 * stop the old container, start the new one, no sluice.
 */
import type { Client } from '@temporalio/client';
import Docker from 'dockerode';
import { startDeployment } from '../src/temporal/deployments';
import { abortSignal, promoteUpdate, statusQuery, type DeployResult } from '../src/shared/messages';
import { validateSpec } from '../src/planner/spec';
import { fixtureImage } from '../src/stack/fixtures';
import type { GateStatus } from '../src/domain';
import { startLoad, type LoadSummary, type RequestRecord } from './load/generator';
import { abortToStableMs, historyFigures, type HistoryFigures } from './measures';

export interface Profile {
  name: 'quick' | 'full';
  ratePerSecond: number;
  /** Load runs at least this long; deployments repeat until it is over. */
  loadSeconds: number;
}

export const PROFILES: Record<Profile['name'], Profile> = {
  quick: { name: 'quick', ratePerSecond: 100, loadSeconds: 12 },
  // 250 s at 200 requests per second: at least 50,000 requests per scenario.
  full: { name: 'full', ratePerSecond: 200, loadSeconds: 255 },
};

export interface DeploymentFigures {
  outcome: DeployResult['outcome'];
  expected: DeployResult['outcome'];
  wallMs: number;
  history: HistoryFigures;
  abortToStableMs?: number;
}

export interface ScenarioFigures {
  name: string;
  description: string;
  sluice: boolean;
  load: LoadSummary;
  deployments: DeploymentFigures[];
}

export interface BenchContext {
  client: Client;
  taskQueue: string;
  docker: Docker;
  profile: Profile;
  port: number;
  service: string;
}

type GateAction = 'promote' | 'abort' | 'wait';

interface DeployOptions {
  image: string;
  strategy: Record<string, unknown>;
  onGate?: (gate: GateStatus) => GateAction;
  health?: Record<string, unknown>;
}

export function specDocument(
  context: BenchContext,
  image: string,
  strategy: Record<string, unknown>,
  health: Record<string, unknown> = {},
  replicas = 3,
): Record<string, unknown> {
  return {
    service: context.service,
    image,
    replicas,
    port: 8080,
    health: { path: '/ready', interval: '200ms', startPeriod: '2s', ...health },
    stopGracePeriod: '10s',
    strategy,
    traffic: { listenPort: context.port, drainTimeout: '10s' },
  };
}

/** Starts a deployment, answers its gates as `onGate` says (as a person or CI would), and waits for its result. */
export async function deployAndFollow(
  context: BenchContext,
  document: Record<string, unknown>,
  onGate?: (gate: GateStatus) => GateAction,
): Promise<{ result: DeployResult; wallMs: number; history: HistoryFigures }> {
  const parsed = validateSpec(document);
  if (!parsed.ok) throw new Error(`benchmark spec is invalid: ${JSON.stringify(parsed.problems)}`);
  const started = Date.now();
  const handle = await startDeployment(context.client, parsed.spec, { spec: document, requestedBy: 'bench' }, context.taskQueue);
  let finished = false;
  const result = handle.result().finally(() => {
    finished = true;
  });
  const answered = new Set<string>();
  while (!finished && onGate) {
    const status = await handle.query(statusQuery).catch(() => undefined);
    const gate = status?.gate;
    if (gate && !answered.has(`${gate.kind}@${gate.since}`)) {
      const action = onGate(gate);
      if (action !== 'wait') answered.add(`${gate.kind}@${gate.since}`);
      if (action === 'promote') await handle.executeUpdate(promoteUpdate, { args: [{ by: 'bench' }] }).catch(() => undefined);
      if (action === 'abort') await handle.signal(abortSignal, { by: 'bench', reason: 'benchmark abort' });
    }
    await Promise.race([result.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 25))]);
  }
  const outcome = await result;
  const wallMs = Date.now() - started;
  return { result: outcome, wallMs, history: historyFigures(await handle.fetchHistory()) };
}

/** Runs `iterate` again and again under load for the profile's load time. */
async function underLoad(
  context: BenchContext,
  iterate: (index: number, records: RequestRecord[], loadStart: number) => Promise<DeploymentFigures>,
): Promise<{ load: LoadSummary; deployments: DeploymentFigures[] }> {
  const load = startLoad({
    url: `http://127.0.0.1:${context.port}/`,
    ratePerSecond: context.profile.ratePerSecond,
    newConnectionShare: 0.3,
    postShare: 0.3,
  });
  const deployments: DeploymentFigures[] = [];
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const until = Date.now() + context.profile.loadSeconds * 1000;
  for (let index = 0; deployments.length === 0 || Date.now() < until; index++) {
    deployments.push(await iterate(index, load.records, load.startedAtEpochMs));
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return { load: await load.stop(), deployments };
}

const IMAGES = [fixtureImage('v2'), fixtureImage('v1')];

function sluiceScenario(
  name: string,
  description: string,
  expected: DeployResult['outcome'],
  options: (index: number) => DeployOptions,
  measureAbort = false,
) {
  return {
    name,
    description,
    sluice: true,
    async run(context: BenchContext): Promise<ScenarioFigures> {
      await deployAndFollow(context, specDocument(context, fixtureImage('v1'), { type: 'rolling' }));
      const { load, deployments } = await underLoad(context, async (index, records, loadStart) => {
        const { image, strategy, onGate, health } = options(index);
        const { result, wallMs, history } = await deployAndFollow(context, specDocument(context, image, strategy, health), onGate);
        const abortAt = result.decisions.find((d) => d.kind === 'abort' && d.result === 'accepted')?.at;
        const figures: DeploymentFigures = { outcome: result.outcome, expected, wallMs, history };
        if (measureAbort && abortAt && result.stableRelease)
          figures.abortToStableMs = abortToStableMs(records, loadStart, Date.parse(abortAt), result.stableRelease);
        return figures;
      });
      return { name, description, sluice: true, load, deployments };
    },
  };
}

const promoteIndefinite = (gate: GateStatus): GateAction => (gate.until === undefined ? 'promote' : 'wait');

export const SCENARIOS = [
  sluiceScenario('rolling', 'rolling, start-first (maxSurge 1, maxUnavailable 0), v1 and v2 in turn', 'released', (i) => ({
    image: IMAGES[i % 2]!,
    strategy: { type: 'rolling' },
  })),
  sluiceScenario(
    'blue-green switch',
    'blue-green: green starts beside blue, promoted at the gate, blue drained and stopped',
    'released',
    (i) => ({
      image: IMAGES[i % 2]!,
      strategy: { type: 'blueGreen', scaleDownDelay: '0s' },
      onGate: promoteIndefinite,
    }),
  ),
  // The stable release stays v1: every attempt switches to v2, then rolls back while blue is still warm.
  sluiceScenario(
    'blue-green instant rollback',
    'blue-green: switched to green, then aborted during the scale-down delay (blue still warm)',
    'aborted',
    () => ({
      image: fixtureImage('v2'),
      strategy: { type: 'blueGreen', scaleDownDelay: '10m' },
      onGate: (gate) => (gate.kind === 'promotion' ? 'promote' : gate.kind === 'scaleDownDelay' ? 'abort' : 'wait'),
    }),
    true,
  ),
  sluiceScenario('canary promoted', 'canary 10% -> gate -> 50% -> gate -> 100%, promoted at each gate', 'released', (i) => ({
    image: IMAGES[i % 2]!,
    strategy: { type: 'canary', steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }, { pause: {} }, { setWeight: 100 }] },
    onGate: promoteIndefinite,
  })),
  sluiceScenario(
    'canary aborted at 50%',
    'canary 10% -> 50% -> gate, aborted at the gate',
    'aborted',
    () => ({
      image: fixtureImage('v2'),
      strategy: { type: 'canary', steps: [{ setWeight: 10 }, { setWeight: 50 }, { pause: {} }] },
      onGate: () => 'abort',
    }),
    true,
  ),
  sluiceScenario(
    'bad release rolled back',
    'rolling to a release whose readiness always fails: rolled back automatically',
    'rolledBack',
    () => ({
      image: fixtureImage('bad'),
      strategy: { type: 'rolling' },
      health: { startPeriod: '0s', unhealthyThreshold: 3 },
    }),
  ),
];

/** The baseline: one container on a fixed port, replaced the naive way (stop, then start), with no router in front. */
export const BASELINE = {
  name: 'naive recreate (baseline)',
  description: 'docker stop + docker run on the same port, no sluice and no router: what `docker compose up -d` does',
  sluice: false,
  async run(context: BenchContext): Promise<ScenarioFigures> {
    const name = `bench-naive-${context.port}`;
    const start = async (image: string) => {
      const container = await context.docker.createContainer({
        name,
        Image: image,
        ExposedPorts: { '8080/tcp': {} },
        StopTimeout: 10,
        HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: String(context.port) }] } },
      });
      await container.start();
      for (let i = 0; i < 100 && (await fetch(`http://127.0.0.1:${context.port}/ready`).catch(() => undefined))?.status !== 200; i++)
        await new Promise((resolve) => setTimeout(resolve, 50));
    };
    const replace = async (image: string) => {
      await context.docker
        .getContainer(name)
        .stop({ t: 10 })
        .catch(() => undefined);
      await context.docker
        .getContainer(name)
        .remove({ force: true })
        .catch(() => undefined);
      await start(image);
    };
    await replace(fixtureImage('v1'));
    const { load, deployments } = await underLoad(context, async (index) => {
      const started = Date.now();
      await replace(IMAGES[index % 2]!);
      return {
        outcome: 'released',
        expected: 'released',
        wallMs: Date.now() - started,
        history: { events: 0, activities: 0, overheadPerActivityMs: [], activityMs: 0, timerMs: 0 },
      };
    });
    await context.docker
      .getContainer(name)
      .remove({ force: true })
      .catch(() => undefined);
    return { name: BASELINE.name, description: BASELINE.description, sluice: false, load, deployments };
  },
};
