/** What the planner sees, and its plans as lines: shared by the plan test and each strategy's test (test/unit/planner). */
import type { ObservedService } from '../../src/domain';
import { planDeployment } from '../../src/planner/plan';
import { releaseId } from '../../src/planner/release';
import { renderStep } from './plans';
import { makeSpec } from './specs';

/** v1 serving with `n` replicas, all traffic on it. */
export function serving(n: number): ObservedService {
  const slots = Array.from({ length: n }, (_, i) => i);
  return {
    releases: [{ release: 'v1', image: 'sluice-fixture:v1', slots }],
    stopped: [],
    routing: { peers: [{ release: 'v1', slots }], weights: { v1: n } },
  };
}

/** Nothing runs yet: a first deployment. */
export const nothing: ObservedService = { releases: [], stopped: [] };

/** The plan as lines, with the target release id shown as NEW. */
export function lines(overrides: Parameters<typeof makeSpec>[0], observed: ObservedService): string[] {
  const spec = makeSpec(overrides);
  const target = releaseId(spec);
  return planDeployment(spec, observed).steps.map((s) => renderStep(s.step).split(target).join('NEW'));
}
