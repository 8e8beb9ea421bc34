import { describe, expect, it } from 'vitest';
import { PlanBuilder } from '../../../src/planner/builder';
import { group } from '../../../src/planner/context';
import { planDeployment } from '../../../src/planner/plan';
import { recreate } from '../../../src/planner/recreate';
import { makeSpec } from '../../support/specs';
import { renderStep } from '../../support/plans';
import { serving } from '../../support/planner';

describe('recreate plans', () => {
  it('takes traffic away, stops everything, then starts the new release (with downtime, said in a note)', () => {
    const spec = makeSpec({ replicas: 2, strategy: { type: 'recreate' } });
    const plan = planDeployment(spec, serving(2));
    expect(plan.steps.map((s) => renderStep(s.step).split(plan.targetRelease).join('NEW'))).toEqual([
      'prepareRouter',
      'route - {}',
      'stop v1[0,1]',
      'start NEW[0,1]',
      'wait NEW[0,1]',
      'route NEW[0,1] {NEW=100}',
      'remove v1[0,1]',
    ]);
    expect(plan.notes.join('\n')).toMatch(/requests fail until the new release is healthy/);
  });
});

describe('the recreate strategy on its own', () => {
  it('plans only the middle (plan.ts adds the router, migrations and removals around it)', () => {
    const stable = group('v1', [0, 1]);
    const builder = new PlanBuilder(serving(2).routing!, [stable]);
    const notes: string[] = [];
    recreate.plan({
      spec: makeSpec({ replicas: 2, strategy: { type: 'recreate' } }),
      strategy: { type: 'recreate' },
      target: 'v2',
      stable,
      builder,
      notes,
    });
    expect(builder.build().map((s) => renderStep(s.step))).toEqual([
      'route - {}',
      'stop v1[0,1]',
      'start v2[0,1]',
      'wait v2[0,1]',
      'route v2[0,1] {v2=100}',
    ]);
    expect(notes).toHaveLength(1);
  });
});
