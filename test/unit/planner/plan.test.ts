import { describe, expect, it } from 'vitest';
import { planDeployment } from '../../../src/planner/plan';
import { releaseId } from '../../../src/planner/release';
import type { ObservedService } from '../../../src/domain';
import { PlanError } from '../../../src/planner/errors';
import { makeSpec } from '../../support/specs';
import { renderStep } from '../../support/plans';
import { lines, nothing, serving } from '../../support/planner';

// What every strategy shares: first deployments, redeploys, migrations, leftovers, ports, undo.
// Each strategy's own plans are pinned in the test beside it: rolling, blue-green, canary, recreate.

describe('plans around the strategy', () => {
  it.each(['rolling', 'blueGreen', 'canary', 'recreate'])(
    'first-ever %s deployment starts everything and routes it, with no gates',
    (type) => {
      const strategy = type === 'canary' ? { type, steps: [{ setWeight: 10 }, { pause: {} }] } : { type };
      const spec = makeSpec({ strategy, replicas: 2 });
      const plan = planDeployment(spec, nothing);
      expect(plan.steps.map((s) => renderStep(s.step).split(plan.targetRelease).join('NEW'))).toEqual([
        'prepareRouter',
        'start NEW[0,1]',
        'wait NEW[0,1]',
        'route NEW[0,1] {NEW=100}',
      ]);
      expect(plan.stableRelease).toBeUndefined();
      expect(plan.notes.join('\n')).toMatch(/first deployment/);
    },
  );

  it('redeploying the spec that already serves plans nothing', () => {
    const spec = makeSpec();
    const target = releaseId(spec);
    const observed: ObservedService = {
      releases: [{ release: target, image: spec.image, slots: [0, 1, 2] }],
      stopped: [],
      routing: { peers: [{ release: target, slots: [0, 1, 2] }], weights: { [target]: 100 } },
    };
    const plan = planDeployment(spec, observed);
    expect(plan.steps.map((s) => s.step.kind)).toEqual(['prepareRouter']);
    expect(plan.notes.join('\n')).toMatch(/nothing to do/);
  });

  it('redeploying the same spec with a crashed replica restarts it and routes it back', () => {
    const spec = makeSpec();
    const target = releaseId(spec);
    const observed: ObservedService = {
      releases: [{ release: target, image: spec.image, slots: [0, 2] }],
      stopped: [{ release: target, slots: [1] }],
      routing: { peers: [{ release: target, slots: [0, 2] }], weights: { [target]: 100 } },
    };
    expect(planDeployment(spec, observed).steps.map((s) => renderStep(s.step).split(target).join('NEW'))).toEqual([
      'prepareRouter',
      'start NEW[1]',
      'wait NEW[1]',
      'route NEW[0,1,2] {NEW=100}',
    ]);
  });

  it("redeploying the release that serves after a deployment failed past the point of no return finishes it: the older release's leftovers, then contract (gated when onPromote)", () => {
    const observed = (spec: ReturnType<typeof makeSpec>, v1CreatedAt: number): ObservedService => {
      const target = releaseId(spec);
      return {
        releases: [{ release: target, image: spec.image, slots: [0, 1, 2], createdAt: 2000 }],
        stopped: [{ release: 'v1', slots: [0, 1, 2], createdAt: v1CreatedAt }],
        routing: { peers: [{ release: target, slots: [0, 1, 2] }], weights: { [target]: 100 } },
      };
    };
    const auto = makeSpec({ migrations: { directory: 'migrations', contract: 'auto' } });
    const plan = planDeployment(auto, observed(auto, 1000));
    expect(plan.steps.map((s) => renderStep(s.step))).toEqual(['prepareRouter', 'remove v1[0,1,2]', 'migrate contract']);
    expect(plan.notes.join('\n')).not.toMatch(/nothing to do/);
    const gated = makeSpec({ migrations: { directory: 'migrations' } });
    expect(planDeployment(gated, observed(gated, 1000)).steps.map((s) => renderStep(s.step))).toEqual([
      'prepareRouter',
      'remove v1[0,1,2]',
      'pause contract',
      'migrate contract',
    ]);
    // A leftover newer than what serves (a later release's unfinished deployment): removed, and no contract runs.
    expect(planDeployment(auto, observed(auto, 3000)).steps.map((s) => renderStep(s.step))).toEqual(['prepareRouter', 'remove v1[0,1,2]']);
  });

  it('redeploying the release that serves takes back traffic a leftover release still had', () => {
    const spec = makeSpec({ replicas: 1 });
    const target = releaseId(spec);
    const observed: ObservedService = {
      releases: [
        { release: target, image: spec.image, slots: [0] },
        { release: 'v1', image: 'x:v1', slots: [0] },
      ],
      stopped: [],
      routing: {
        peers: [
          { release: target, slots: [0] },
          { release: 'v1', slots: [0] },
        ],
        weights: { [target]: 90, v1: 10 },
      },
    };
    expect(planDeployment(spec, observed).steps.map((s) => renderStep(s.step).split(target).join('NEW'))).toEqual([
      'prepareRouter',
      'route NEW[0] {NEW=100}',
      'remove v1[0]',
    ]);
  });

  it('expand runs before anything starts; contract waits for promotion after the old release stops', () => {
    const migrations = { directory: 'migrations' };
    expect(lines({ replicas: 1, migrations }, serving(1))).toEqual([
      'prepareRouter',
      'migrate expand',
      'start NEW[0]',
      'wait NEW[0]',
      'route v1[0]+NEW[0] {v1=1,NEW=1}',
      'route NEW[0] {NEW=1}',
      'stop v1[0]',
      'pause contract',
      'migrate contract',
      'remove v1[0]',
    ]);
    expect(lines({ replicas: 1, migrations: { ...migrations, contract: 'auto' } }, serving(1))).not.toContain('pause contract');
    expect(lines({ replicas: 1, migrations }, nothing)).toEqual([
      'prepareRouter',
      'migrate expand',
      'start NEW[0]',
      'wait NEW[0]',
      'route NEW[0] {NEW=100}',
      'migrate contract',
    ]);
  });

  it('removes leftovers of interrupted deployments at the very end', () => {
    const observed: ObservedService = {
      ...serving(1),
      releases: [...serving(1).releases, { release: 'v0', image: 'x:v0', slots: [0] }],
      stopped: [
        { release: 'v1', slots: [5] },
        { release: 'old', slots: [0, 1] },
      ],
    };
    const result = lines({ replicas: 1 }, observed);
    expect(result.slice(-3)).toEqual(['remove v1[0,5]', 'remove v0[0]', 'remove old[0,1]']);
  });

  it('the stable release is the one taking the most traffic, not the one with the most replicas', () => {
    const observed: ObservedService = {
      releases: [
        { release: 'big', image: 'x:big', slots: [0, 1, 2] },
        { release: 'live', image: 'x:live', slots: [0] },
      ],
      stopped: [],
      routing: { peers: [{ release: 'live', slots: [0] }], weights: { live: 100 } },
    };
    expect(planDeployment(makeSpec({ replicas: 1 }), observed).stableRelease).toBe('live');
  });
});

describe('ports on the router', () => {
  const claims = (services: Record<string, { traffic: number[]; preview?: number }>) => ({
    ...serving(1),
    ports: { services, router: [9180] },
  });

  it.each([
    [
      'listenPort held by another service',
      { traffic: { listenPort: 18080 } },
      { api: { traffic: [18080] } },
      /^traffic\.listenPort: port 18080 is taken by service "api" on this router/,
    ],
    [
      'an extra port held by another service',
      { traffic: { listenPort: 18081, extraListenPorts: [18090] } },
      { api: { traffic: [18090] } },
      /^traffic\.extraListenPorts\[0\]: port 18090 is taken by service "api"/,
    ],
    [
      "a preview port that is another service's preview",
      { strategy: { type: 'blueGreen', preview: { listenPort: 18099 } } },
      { api: { traffic: [18000], preview: 18099 } },
      /^strategy\.preview\.listenPort: port 18099 is taken by service "api"/,
    ],
    ["the router's admin port", { traffic: { listenPort: 9180 } }, {}, /^traffic\.listenPort: port 9180 is the router's own admin port/],
  ])('refuses %s before anything is planned', (_name, overrides, services, message) => {
    expect(() => planDeployment(makeSpec(overrides), claims(services))).toThrow(message);
  });

  it("refuses moving a service's listenPort in one deployment, and says how to move it without a cut", () => {
    const error = (() => {
      try {
        planDeployment(makeSpec({ traffic: { listenPort: 18081 } }), claims({ web: { traffic: [18080] } }));
      } catch (e) {
        return e as PlanError;
      }
    })();
    expect(error).toBeInstanceOf(PlanError);
    expect(error!.field).toBe('traffic.listenPort');
    expect(error!.message).toMatch(
      /web serves on port 18080 now; moving it to 18081 in one deployment would cut every client of 18080\. Serve both first: deploy with listenPort: 18080 and extraListenPorts: \[18081\]/,
    );
  });

  it('allows its own ports, adding an extra port, and then making the extra port the listenPort', () => {
    expect(() =>
      planDeployment(makeSpec({ traffic: { listenPort: 18080 } }), claims({ web: { traffic: [18080] }, api: { traffic: [18000] } })),
    ).not.toThrow();
    expect(() =>
      planDeployment(makeSpec({ traffic: { listenPort: 18080, extraListenPorts: [18081] } }), claims({ web: { traffic: [18080] } })),
    ).not.toThrow();
    expect(() =>
      planDeployment(makeSpec({ traffic: { listenPort: 18081, extraListenPorts: [18080] } }), claims({ web: { traffic: [18080, 18081] } })),
    ).not.toThrow();
    expect(() => planDeployment(makeSpec({ traffic: { listenPort: 18081 } }), claims({ web: { traffic: [18080, 18081] } }))).not.toThrow();
  });
});

describe('undo of each step', () => {
  it('is registered with the step: start -> remove, stop -> start + wait, route -> previous routing, expand -> rollbackExpand', () => {
    const spec = makeSpec({ replicas: 1, migrations: { directory: 'm', contract: 'auto' } });
    const target = releaseId(spec);
    const undo = planDeployment(spec, serving(1)).steps.map((s) =>
      `${renderStep(s.step)} => ${s.undo.map(renderStep).join('; ') || '(none)'}`.split(target).join('NEW'),
    );
    expect(undo).toEqual([
      'prepareRouter => (none)',
      'migrate expand => migrate rollbackExpand',
      'start NEW[0] => remove NEW[0]',
      'wait NEW[0] => (none)',
      'route v1[0]+NEW[0] {v1=1,NEW=1} => route v1[0] {v1=1}',
      'route NEW[0] {NEW=1} => route v1[0]+NEW[0] {v1=1,NEW=1}',
      'stop v1[0] => start v1[0]; wait v1[0]',
      'migrate contract => (none)',
      'remove v1[0] => (none)',
    ]);
  });
});
