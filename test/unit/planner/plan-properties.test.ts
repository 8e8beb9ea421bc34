/**
 * Properties every plan must have, checked by running plans (and the rollback
 * of every prefix of them) against a model of replicas and routing:
 * - traffic only ever goes to replicas that run;
 * - a replica is never stopped or removed while it takes traffic;
 * - zero-downtime strategies never leave the service with nothing routed;
 * - after rolling back any prefix, routing and the stable replicas are exactly
 *   as before and nothing of the new release runs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateSpec, type DeploymentSpec } from '../../../src/planner/spec';
import { sameRouting } from '../../../src/planner/builder';
import { planDeployment } from '../../../src/planner/plan';
import { rollbackSteps } from '../../../src/planner/rollback';
import { rollingBudget } from '../../../src/planner/rolling';
import type { ObservedService, Routing, Step } from '../../../src/domain';
import { PlanError } from '../../../src/planner/errors';
import { specDocument } from '../../support/specs';

class Model {
  running = new Map<string, Set<number>>();
  constructor(
    public routing: Routing,
    running: Array<{ release: string; slots: number[] }>,
  ) {
    for (const g of running) this.running.set(g.release, new Set(g.slots));
  }

  routedCount(): number {
    return this.routing.peers.reduce(
      (n, g) =>
        n + (Object.keys(this.routing.weights).some((r) => r === g.release && (this.routing.weights[r] ?? 0) > 0) ? g.slots.length : 0),
      0,
    );
  }

  private isRouted(release: string, slot: number): boolean {
    return this.routing.peers.some((g) => g.release === release && g.slots.includes(slot));
  }

  apply(step: Step): void {
    const set = (release: string) => this.running.get(release) ?? this.running.set(release, new Set()).get(release)!;
    switch (step.kind) {
      case 'startReplicas':
        step.slots.forEach((s) => set(step.release).add(s));
        return;
      case 'waitHealthy':
        for (const s of step.slots) if (!set(step.release).has(s)) throw new Error(`waiting on ${step.release}[${s}] which does not run`);
        return;
      case 'route':
        for (const g of step.routing.peers)
          for (const s of g.slots) if (!set(g.release).has(s)) throw new Error(`routing to ${g.release}[${s}] which does not run`);
        this.routing = step.routing;
        return;
      case 'stopReplicas':
      case 'removeReplicas':
        for (const s of step.slots) {
          if (this.isRouted(step.release, s)) throw new Error(`${step.kind} of ${step.release}[${s}] while it takes traffic`);
          set(step.release).delete(s);
        }
        return;
      default:
        return;
    }
  }
}

const strategyArb = fc.oneof(
  fc.record({
    type: fc.constant('rolling'),
    maxSurge: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('0%', '25%', '50%', '100%')),
    maxUnavailable: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom('0%', '25%', '50%')),
    order: fc.constantFrom('start-first', 'stop-first'),
  }),
  fc
    .record({
      type: fc.constant('blueGreen'),
      scaleDownDelay: fc.constantFrom('0s', '30s'),
      preview: fc.constantFrom(undefined, { header: 'X-Preview' }),
    })
    .map((s) => (s.preview ? s : { type: s.type, scaleDownDelay: s.scaleDownDelay })),
  fc
    .record({
      weights: fc.uniqueArray(fc.integer({ min: 0, max: 100 }), { maxLength: 4 }).map((w) => w.sort((a, b) => a - b)),
      pauses: fc.array(fc.boolean(), { maxLength: 4 }),
    })
    .map(({ weights, pauses }) => ({
      type: 'canary',
      steps:
        weights.length === 0
          ? [{ pause: {} }]
          : weights.flatMap((w, i) => (pauses[i] ? [{ setWeight: w }, { pause: {} }] : [{ setWeight: w }])),
    })),
  fc.constant({ type: 'recreate' }),
);

const scenarioArb = fc.record({
  replicas: fc.integer({ min: 1, max: 6 }),
  running: fc.integer({ min: 0, max: 6 }),
  strategy: strategyArb,
  migrations: fc.boolean(),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function setUp(scenario: Scenario): { spec: DeploymentSpec; observed: ObservedService } | undefined {
  const result = validateSpec(
    specDocument({
      replicas: scenario.replicas,
      strategy: scenario.strategy,
      ...(scenario.migrations ? { migrations: { directory: 'migrations' } } : {}),
    }),
  );
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  const slots = Array.from({ length: scenario.running }, (_, i) => i);
  const observed: ObservedService =
    scenario.running === 0
      ? { releases: [], stopped: [] }
      : {
          releases: [{ release: 'old', image: 'x:old', slots }],
          stopped: [],
          routing: { peers: [{ release: 'old', slots }], weights: { old: 100 } },
        };
  return { spec: result.spec, observed };
}

function plan(spec: DeploymentSpec, observed: ObservedService) {
  try {
    return planDeployment(spec, observed);
  } catch (error) {
    if (error instanceof PlanError && !error.message.includes('planner bug')) return undefined;
    throw error;
  }
}

describe('plan properties', () => {
  it('forward plans route only to running replicas, never stop routed ones, and end on the new release alone', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const { spec, observed } = setUp(scenario)!;
        const p = plan(spec, observed);
        if (!p) return;
        const model = new Model(observed.routing ?? { peers: [], weights: {} }, observed.releases);
        // Recreate has downtime by design; rolling only when maxUnavailable lets every replica go.
        const zeroDowntime =
          spec.strategy.type === 'rolling'
            ? rollingBudget(spec.strategy, spec.replicas).minAvailable > 0
            : spec.strategy.type !== 'recreate';
        for (const { step } of p.steps) {
          model.apply(step);
          if (zeroDowntime && observed.releases.length > 0)
            expect(model.routedCount(), `nothing routed after ${JSON.stringify(step)}`).toBeGreaterThan(0);
        }
        expect(model.routing.peers.map((g) => g.release)).toEqual([p.targetRelease]);
        expect([...(model.running.get(p.targetRelease) ?? [])].sort()).toEqual(Array.from({ length: spec.replicas }, (_, i) => i));
        expect(model.running.get('old')?.size ?? 0).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('rolling back any prefix restores routing and the stable replicas and leaves nothing of the new release running', () => {
    fc.assert(
      fc.property(scenarioArb, fc.nat(), fc.boolean(), (scenario, cut, lastStepApplied) => {
        const { spec, observed } = setUp(scenario)!;
        const p = plan(spec, observed);
        if (!p) return;
        // Only steps before the point of no return can be rolled back.
        const reversible = p.steps.findIndex(
          (s) => s.step.kind === 'removeReplicas' || (s.step.kind === 'migrate' && s.step.direction === 'contract'),
        );
        const limit = reversible === -1 ? p.steps.length : reversible;
        const begun = p.steps.slice(0, (cut % limit) + 1);
        const initial = observed.routing ?? { peers: [], weights: {} };
        const model = new Model(initial, observed.releases);
        begun.forEach(({ step }, i) => (i < begun.length - 1 || lastStepApplied) && model.apply(step));
        for (const step of rollbackSteps(begun)) model.apply(step);
        expect(sameRouting(model.routing, initial), JSON.stringify(model.routing)).toBe(true);
        expect([...(model.running.get('old') ?? [])].sort()).toEqual(observed.releases[0]?.slots ?? []);
        expect(model.running.get(p.targetRelease)?.size ?? 0).toBe(0);
        const migrations = rollbackSteps(begun).filter((s) => s.kind === 'migrate');
        expect(migrations.length).toBe(begun.some((s) => s.step.kind === 'migrate') ? 1 : 0);
      }),
      { numRuns: 500 },
    );
  });
});
