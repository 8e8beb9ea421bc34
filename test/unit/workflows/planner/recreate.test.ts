import { describe, expect, it } from 'vitest';
import { planDeployment } from '../../../../src/workflows/planner/plan';
import { makeSpec } from '../../../support/specs';
import { renderStep } from '../../../support/plans';
import { serving } from '../../../support/planner';

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
