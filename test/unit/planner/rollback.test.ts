import { describe, expect, it } from 'vitest';
import { planDeployment } from '../../../src/planner/plan';
import { releaseId } from '../../../src/planner/release';
import { rollbackSteps } from '../../../src/planner/rollback';
import type { ObservedService } from '../../../src/domain';
import { renderStep } from '../../support/plans';
import { makeSpec } from '../../support/specs';

const serving = (n: number): ObservedService => {
  const slots = Array.from({ length: n }, (_, i) => i);
  return {
    releases: [{ release: 'v1', image: 'x:v1', slots }],
    stopped: [],
    routing: { peers: [{ release: 'v1', slots }], weights: { v1: 100 } },
  };
};

function rollbackAfter(spec: ReturnType<typeof makeSpec>, stepsBegun: number): string[] {
  const plan = planDeployment(spec, serving(spec.replicas));
  return rollbackSteps(plan.steps.slice(0, stepsBegun)).map((s) => renderStep(s).split(plan.targetRelease).join('NEW'));
}

describe('rollback plans', () => {
  it('a canary aborted at 50%: one route straight back to stable, then the canary replicas go, then expand is undone', () => {
    const spec = makeSpec({
      replicas: 4,
      migrations: { directory: 'm' },
      strategy: { type: 'canary', steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }, { pause: {} }] },
    });
    // prepare, expand, start[0], wait[0], route 10, pause, start[1], wait[1], route 50, pause  <- aborted here
    expect(rollbackAfter(spec, 10)).toEqual(['route v1[0,1,2,3] {v1=100}', 'remove NEW[1]', 'remove NEW[0]', 'migrate rollbackExpand']);
  });

  it('redeploying a release after an unfinished deployment of it: the routing a rollback restores holds only replicas that will still run', () => {
    const spec = makeSpec({ replicas: 2, strategy: { type: 'canary', steps: [{ setWeight: 50 }, { pause: {} }] } });
    const target = releaseId(spec);
    // An earlier deployment of the same release stopped halfway: its replica 0 runs and takes 10%.
    const observed: ObservedService = {
      releases: [
        { release: 'v1', image: 'x:v1', slots: [0, 1] },
        { release: target, image: spec.image, slots: [0] },
      ],
      stopped: [],
      routing: {
        peers: [
          { release: 'v1', slots: [0, 1] },
          { release: target, slots: [0] },
        ],
        weights: { v1: 90, [target]: 10 },
      },
    };
    const plan = planDeployment(spec, observed);
    const atGate = plan.steps.findIndex((s) => s.step.kind === 'pause') + 1;
    const undo = rollbackSteps(plan.steps.slice(0, atGate)).map((s) => renderStep(s).split(target).join('NEW'));
    expect(undo).toEqual(['route v1[0,1] {v1=90}', 'remove NEW[0]']);
  });

  it('a rolling deployment failing in its second batch restarts the stopped stable replica before traffic returns to it', () => {
    const spec = makeSpec({ replicas: 3 });
    // prepare, start[0], wait[0], route+, route-, stop v1[0], start[1] <- failed here
    expect(rollbackAfter(spec, 7)).toEqual(['start v1[0]', 'wait v1[0]', 'route v1[0,1,2] {v1=100}', 'remove NEW[1]', 'remove NEW[0]']);
  });

  it('recreate rolled back after the new release took traffic: old capacity first, then one route, never an empty routing', () => {
    const spec = makeSpec({ replicas: 2, strategy: { type: 'recreate' } });
    // prepare, route empty, stop v1, start new, wait new, route new <- failed after this
    expect(rollbackAfter(spec, 6)).toEqual(['start v1[0,1]', 'wait v1[0,1]', 'route v1[0,1] {v1=100}', 'remove NEW[0,1]']);
  });

  it('blue-green rolled back during the scale-down delay is a single routing change back to the warm blue release', () => {
    const spec = makeSpec({ replicas: 2, strategy: { type: 'blueGreen', scaleDownDelay: '1m' } });
    // prepare, start, wait, route (green at 0), promotion, route (switch), scaleDownDelay <- aborted here
    expect(rollbackAfter(spec, 7)).toEqual(['route v1[0,1] {v1=100}', 'remove NEW[0,1]']);
  });

  it('nothing begun, nothing undone', () => {
    expect(rollbackSteps([])).toEqual([]);
  });
});
