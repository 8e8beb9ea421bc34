/**
 * Scale: many deployments at once on one worker, and one long canary over
 * many replicas (how far its history grows).
 */
import { fixtureImage } from '../src/stack/fixtures';
import { deployAndFollow, specDocument, type BenchContext } from './scenarios';
import { freePort } from './worker-process';

export interface ConcurrentFigures {
  deployments: number;
  replicasEach: number;
  released: number;
  wallMs: number;
  eventsMax: number;
}

/** `count` services, each moved from v1 to v2 by a rolling deployment, all started together. */
export async function concurrentDeployments(context: BenchContext, count: number, replicasEach: number): Promise<ConcurrentFigures> {
  const services = await Promise.all(
    Array.from({ length: count }, async (_, i) => ({ ...context, service: `${context.service}-${i + 1}`, port: await freePort() })),
  );
  const deployAll = (image: string) =>
    Promise.all(services.map((service) => deployAndFollow(service, specDocument(service, image, { type: 'rolling' }, {}, replicasEach))));
  await deployAll(fixtureImage('v1'));
  const started = Date.now();
  const results = await deployAll(fixtureImage('v2'));
  return {
    deployments: count,
    replicasEach,
    released: results.filter((r) => r.result.outcome === 'released').length,
    wallMs: Date.now() - started,
    eventsMax: Math.max(...results.map((r) => r.history.events)),
  };
}

export interface LongCanaryFigures {
  replicas: number;
  steps: number;
  outcome: string;
  events: number;
  wallMs: number;
}

/** A 10-step canary (10%, 20%, ... 100%) over `replicas` replicas. */
export async function longCanary(context: BenchContext, replicas: number): Promise<LongCanaryFigures> {
  await deployAndFollow(context, specDocument(context, fixtureImage('v1'), { type: 'rolling', maxSurge: '100%' }, {}, replicas));
  const steps = Array.from({ length: 10 }, (_, i) => ({ setWeight: (i + 1) * 10 }));
  const { result, history, wallMs } = await deployAndFollow(
    context,
    specDocument(context, fixtureImage('v2'), { type: 'canary', steps }, {}, replicas),
  );
  return { replicas, steps: steps.length, outcome: result.outcome, events: history.events, wallMs };
}
