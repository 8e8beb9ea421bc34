import { describe, expect, it } from 'vitest';
import type { ObservedService } from '../../../src/domain';
import { PlanError } from '../../../src/planner/errors';
import { planDeployment } from '../../../src/planner/plan';
import { previewOf, strategyRefusal, strategySchema } from '../../../src/planner/strategies';
import { makeSpec } from '../../support/specs';

const nothingRuns: ObservedService = { releases: [], stopped: [] };

describe('strategies, by their spec type', () => {
  it('a rolling budget of 0 is refused with its field and problem as data, and planning refuses it too', () => {
    const spec = makeSpec({ replicas: 2, strategy: { type: 'rolling', maxSurge: 0, maxUnavailable: '10%' } });
    const refusal = strategyRefusal(spec);
    expect(refusal).toBeInstanceOf(PlanError);
    expect(refusal).toMatchObject({
      field: 'strategy.maxSurge',
      problem: 'maxSurge and maxUnavailable both resolve to 0 for 2 replicas, so no replica could ever be replaced: raise one of them',
    });
    expect(refusal!.message).toBe(`strategy.maxSurge: ${refusal!.problem}`);
    expect(() => planDeployment(spec, nothingRuns)).toThrow(refusal!.message);
    expect(
      strategyRefusal(makeSpec({ replicas: 2, strategy: { type: 'rolling', order: 'stop-first', maxSurge: 1, maxUnavailable: 0 } })),
    ).toMatchObject({ field: 'strategy.order' });
    expect(strategyRefusal(makeSpec({ replicas: 2, strategy: { type: 'rolling', maxSurge: 1, maxUnavailable: 0 } }))).toBeUndefined();
  });

  it('a blue-green preview header needs a secret value: without one any client could reach the release under test', () => {
    const open = makeSpec({ strategy: { type: 'blueGreen', preview: { header: 'X-Preview' } } });
    expect(strategyRefusal(open)).toMatchObject({
      field: 'strategy.preview.headerValueFrom',
      problem: expect.stringMatching(/^the preview header X-Preview needs a secret value/),
    });
    // An admission rule: planDeployment also replays deployments begun before it, so it plans them.
    expect(() => planDeployment(open, nothingRuns)).not.toThrow();
    expect(
      strategyRefusal(
        makeSpec({ strategy: { type: 'blueGreen', preview: { header: 'X-Preview', headerValueFrom: { fromEnv: 'PREVIEW_TOKEN' } } } }),
      ),
    ).toBeUndefined();
    expect(strategyRefusal(makeSpec({ strategy: { type: 'blueGreen', preview: { listenPort: 18099 } } }))).toBeUndefined();
  });

  it('canary and recreate refuse nothing on their own', () => {
    expect(strategyRefusal(makeSpec({ strategy: { type: 'canary', steps: [{ setWeight: 10 }] } }))).toBeUndefined();
    expect(strategyRefusal(makeSpec({ strategy: { type: 'recreate' } }))).toBeUndefined();
  });

  it('only blue-green has a preview route', () => {
    expect(previewOf(makeSpec({ strategy: { type: 'blueGreen', preview: { listenPort: 18099 } } }))).toMatchObject({ listenPort: 18099 });
    expect(previewOf(makeSpec({ strategy: { type: 'blueGreen' } }))).toBeUndefined();
    for (const strategy of [{ type: 'rolling' }, { type: 'canary', steps: [{ setWeight: 10 }] }, { type: 'recreate' }] as const) {
      expect(previewOf(makeSpec({ strategy }))).toBeUndefined();
    }
  });
});

describe('the strategy registry', () => {
  it("composes the spec's strategy field from every strategy's own schema, in the order the docs list them", () => {
    expect(strategySchema.options.map((schema) => schema.shape.type.value)).toEqual(['rolling', 'blueGreen', 'canary', 'recreate']);
    expect(strategySchema.safeParse({ type: 'rolling' })).toMatchObject({ success: true, data: { maxSurge: 1, order: 'start-first' } });
    expect(strategySchema.safeParse({ type: 'recreate', maxSurge: 1 }).success).toBe(false);
  });
});
