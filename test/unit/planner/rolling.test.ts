import { describe, expect, it } from 'vitest';
import { planDeployment } from '../../../src/planner/plan';
import { PlanError } from '../../../src/planner/errors';
import { resolveCountOrPercent } from '../../../src/planner/rolling';
import type { ObservedService } from '../../../src/domain';
import { validateSpec } from '../../../src/planner/spec';
import { expectProblems, makeSpec, specDocument } from '../../support/specs';
import { lines, serving } from '../../support/planner';

describe('rolling plans', () => {
  const cases: Array<{ name: string; spec: Parameters<typeof makeSpec>[0]; observed: ObservedService; plan: string[] }> = [
    {
      name: 'default: maxSurge 1, maxUnavailable 0, start-first, 3 replicas',
      spec: { strategy: { type: 'rolling' } },
      observed: serving(3),
      plan: [
        'prepareRouter',
        'start NEW[0]',
        'wait NEW[0]',
        'route v1[0,1,2]+NEW[0] {v1=3,NEW=1}',
        'route v1[1,2]+NEW[0] {v1=2,NEW=1}',
        'stop v1[0]',
        'start NEW[1]',
        'wait NEW[1]',
        'route v1[1,2]+NEW[0,1] {v1=2,NEW=2}',
        'route v1[2]+NEW[0,1] {v1=1,NEW=2}',
        'stop v1[1]',
        'start NEW[2]',
        'wait NEW[2]',
        'route v1[2]+NEW[0,1,2] {v1=1,NEW=3}',
        'route NEW[0,1,2] {NEW=3}',
        'stop v1[2]',
        'remove v1[0,1,2]',
      ],
    },
    {
      name: 'one replica, start-first: the new one is healthy and routed before the old one leaves',
      spec: { replicas: 1 },
      observed: serving(1),
      plan: [
        'prepareRouter',
        'start NEW[0]',
        'wait NEW[0]',
        'route v1[0]+NEW[0] {v1=1,NEW=1}',
        'route NEW[0] {NEW=1}',
        'stop v1[0]',
        'remove v1[0]',
      ],
    },
    {
      name: 'maxSurge 0 forces stopping first (maxUnavailable 1)',
      spec: { replicas: 2, strategy: { type: 'rolling', maxSurge: 0, maxUnavailable: 1 } },
      observed: serving(2),
      plan: [
        'prepareRouter',
        'route v1[1] {v1=1}',
        'stop v1[0]',
        'start NEW[0]',
        'wait NEW[0]',
        'route v1[1]+NEW[0] {v1=1,NEW=1}',
        'route NEW[0] {NEW=1}',
        'stop v1[1]',
        'start NEW[1]',
        'wait NEW[1]',
        'route NEW[0,1] {NEW=2}',
        'remove v1[0,1]',
      ],
    },
    {
      name: 'maxUnavailable 0 with start-first and maxSurge 2: batches of two, never below 3 serving',
      spec: { strategy: { type: 'rolling', maxSurge: 2, maxUnavailable: 0, order: 'start-first' } },
      observed: serving(3),
      plan: [
        'prepareRouter',
        'start NEW[0,1]',
        'wait NEW[0,1]',
        'route v1[0,1,2]+NEW[0,1] {v1=3,NEW=2}',
        'route v1[2]+NEW[0,1] {v1=1,NEW=2}',
        'stop v1[0,1]',
        'start NEW[2]',
        'wait NEW[2]',
        'route v1[2]+NEW[0,1,2] {v1=1,NEW=3}',
        'route NEW[0,1,2] {NEW=3}',
        'stop v1[2]',
        'remove v1[0,1,2]',
      ],
    },
    {
      name: 'stop-first with maxUnavailable 1 and maxSurge 1: retire one, start two, retire two, start the last',
      spec: { strategy: { type: 'rolling', maxSurge: 1, maxUnavailable: 1, order: 'stop-first' } },
      observed: serving(3),
      plan: [
        'prepareRouter',
        'route v1[1,2] {v1=2}',
        'stop v1[0]',
        'start NEW[0,1]',
        'wait NEW[0,1]',
        'route v1[1,2]+NEW[0,1] {v1=2,NEW=2}',
        'route NEW[0,1] {NEW=2}',
        'stop v1[1,2]',
        'start NEW[2]',
        'wait NEW[2]',
        'route NEW[0,1,2] {NEW=3}',
        'remove v1[0,1,2]',
      ],
    },
    {
      name: 'percentages resolve like Kubernetes: surge rounds up, unavailable down',
      spec: { replicas: 2, strategy: { type: 'rolling', maxSurge: '10%', maxUnavailable: '10%' } },
      observed: serving(2),
      plan: [
        'prepareRouter',
        'start NEW[0]',
        'wait NEW[0]',
        'route v1[0,1]+NEW[0] {v1=2,NEW=1}',
        'route v1[1]+NEW[0] {v1=1,NEW=1}',
        'stop v1[0]',
        'start NEW[1]',
        'wait NEW[1]',
        'route v1[1]+NEW[0,1] {v1=1,NEW=2}',
        'route NEW[0,1] {NEW=2}',
        'stop v1[1]',
        'remove v1[0,1]',
      ],
    },
    {
      name: 'batchDelay waits between batches, not after the last',
      spec: { replicas: 2, strategy: { type: 'rolling', batchDelay: '5s' } },
      observed: serving(2),
      plan: [
        'prepareRouter',
        'start NEW[0]',
        'wait NEW[0]',
        'route v1[0,1]+NEW[0] {v1=2,NEW=1}',
        'route v1[1]+NEW[0] {v1=1,NEW=1}',
        'stop v1[0]',
        'pause batchDelay 5000ms (timer)',
        'start NEW[1]',
        'wait NEW[1]',
        'route v1[1]+NEW[0,1] {v1=1,NEW=2}',
        'route NEW[0,1] {NEW=2}',
        'stop v1[1]',
        'remove v1[0,1]',
      ],
    },
    {
      name: 'scaling up while rolling (2 old, 3 new): the surge budget starts two at once, never fewer than 3 serve after',
      spec: { replicas: 3 },
      observed: serving(2),
      plan: [
        'prepareRouter',
        'start NEW[0,1]',
        'wait NEW[0,1]',
        'route v1[0,1]+NEW[0,1] {v1=2,NEW=2}',
        'route v1[1]+NEW[0,1] {v1=1,NEW=2}',
        'stop v1[0]',
        'start NEW[2]',
        'wait NEW[2]',
        'route v1[1]+NEW[0,1,2] {v1=1,NEW=3}',
        'route NEW[0,1,2] {NEW=3}',
        'stop v1[1]',
        'remove v1[0,1]',
      ],
    },
    {
      name: 'scaling down while rolling (3 old, 2 new): the extra old replica leaves first, within maxUnavailable 0 of 2',
      spec: { replicas: 2 },
      observed: serving(3),
      plan: [
        'prepareRouter',
        'route v1[1,2] {v1=2}',
        'stop v1[0]',
        'start NEW[0]',
        'wait NEW[0]',
        'route v1[1,2]+NEW[0] {v1=2,NEW=1}',
        'route v1[2]+NEW[0] {v1=1,NEW=1}',
        'stop v1[1]',
        'start NEW[1]',
        'wait NEW[1]',
        'route v1[2]+NEW[0,1] {v1=1,NEW=2}',
        'route NEW[0,1] {NEW=2}',
        'stop v1[2]',
        'remove v1[0,1,2]',
      ],
    },
    {
      name: 'scaling 1 to 2 with maxUnavailable 50%: never stops the only serving replica first',
      spec: { replicas: 2, strategy: { type: 'rolling', maxSurge: 1, maxUnavailable: '50%' } },
      observed: serving(1),
      plan: [
        'prepareRouter',
        'start NEW[0,1]',
        'wait NEW[0,1]',
        'route v1[0]+NEW[0,1] {v1=1,NEW=2}',
        'route NEW[0,1] {NEW=2}',
        'stop v1[0]',
        'remove v1[0]',
      ],
    },
  ];

  it.each(cases)('$name', ({ spec, observed, plan }) => {
    expect(lines(spec, observed)).toEqual(plan);
  });

  it('rejects stop-first when maxUnavailable resolves to 0, naming the field', () => {
    const spec = makeSpec({ strategy: { type: 'rolling', order: 'stop-first', maxUnavailable: '10%' } });
    expect(() => planDeployment(spec, serving(3))).toThrow(PlanError);
    expect(() => planDeployment(spec, serving(3))).toThrow(
      /strategy\.order: stop-first needs maxUnavailable of at least 1, but it resolves to 0 for 3 replicas/,
    );
  });

  it('rejects a budget where maxSurge and maxUnavailable both resolve to 0', () => {
    const spec = makeSpec({ strategy: { type: 'rolling', maxSurge: 0, maxUnavailable: '20%' } });
    expect(() => planDeployment(spec, serving(3))).toThrow(
      /strategy\.maxSurge: maxSurge and maxUnavailable both resolve to 0 for 3 replicas/,
    );
  });
});

describe('rolling budgets', () => {
  it('a count is taken as is; a percentage of the replicas rounds up for surge and down for unavailability', () => {
    expect(resolveCountOrPercent(2, 10, 'up')).toBe(2);
    expect(resolveCountOrPercent('25%', 10, 'up')).toBe(3);
    expect(resolveCountOrPercent('25%', 10, 'down')).toBe(2);
    expect(resolveCountOrPercent('10%', 3, 'down')).toBe(0);
  });
});

describe('the rolling schema', () => {
  it('accepts every option', () => {
    const strategy = { type: 'rolling', maxSurge: '25%', maxUnavailable: 1, order: 'stop-first', batchDelay: '10s' };
    expect(validateSpec(specDocument({ strategy }))).toMatchObject({ ok: true });
  });

  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    [
      'a bad maxSurge',
      { strategy: { type: 'rolling', maxSurge: 'lots' } },
      ['strategy.maxSurge: expected a count like 1 or a percentage like "25%" (found "lots")'],
    ],
    [
      'a bad order',
      { strategy: { type: 'rolling', order: 'sideways' } },
      ['strategy.order: expected "start-first" or "stop-first" (found "sideways")'],
    ],
  ];
  it.each(cases)('refuses %s, naming the field', (_name, overrides, expected) => expectProblems(overrides, expected));
});
