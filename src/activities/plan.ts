/**
 * Planning, as an activity: what runs now, the image resolved to the content that
 * will run, and a keyed digest of the secrets, turned into steps by the (pure)
 * planner. The plan is the activity's result, so it is recorded in the
 * deployment's history: a later change to the planner never changes the
 * release or the steps of a deployment in flight, on any worker.
 */
import { Context } from '@temporalio/activity';
import type { ObservedService, Plan } from '../domain';
import { FailureType } from '../shared/errors';
import type { DeploymentSpec } from '../planner/spec';
import { PlanError } from '../planner/errors';
import { checkPorts, planDeployment } from '../planner/plan';
import { strategyRefusal } from '../planner/strategies';
import { failure } from './failures';
import { observe } from './observe';
import type { ContainerRuntime, PullOptions, SecretDigester, SecretResolver, TrafficRouter } from './ports';
import { resolveSpecSecrets } from './secrets';

export interface PlannedDeployment {
  plan: Plan;
  observed: ObservedService;
}

/** A tag that moves (latest, or none) is pulled every time, as Kubernetes does; a failed pull of an image built on the host falls back to it. */
export function pullOptions(spec: DeploymentSpec): PullOptions {
  if (spec.pull) return { policy: spec.pull, localFallback: false };
  const lastSegment = spec.image.slice(spec.image.lastIndexOf('/') + 1);
  const tag = spec.image.includes('@') ? undefined : lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : 'latest';
  return { policy: tag === 'latest' ? 'always' : 'missing', localFallback: true };
}

function rejected(error: unknown): unknown {
  return error instanceof PlanError ? failure(FailureType.planRejected, error.message, { field: error.field }) : error;
}

export function createPlanActivities(deps: {
  runtime: ContainerRuntime;
  router: TrafficRouter;
  secrets: SecretResolver;
  secretDigester: SecretDigester;
}) {
  return {
    observeAndPlan: async (input: { spec: DeploymentSpec }): Promise<PlannedDeployment> => {
      const ctx = Context.current();
      const { spec } = input;
      const observed: ObservedService = { ...(await observe(deps, spec.service)), ports: await deps.router.claims() };
      try {
        // A port conflict or a strategy that can never be planned is refused before anything else, a pull included.
        checkPorts(spec, observed.ports);
        const refusal = strategyRefusal(spec);
        if (refusal) throw refusal;
        const secrets = await resolveSpecSecrets(spec, deps.secrets);
        const image = await deps.runtime.resolveImage(spec.image, pullOptions(spec), ctx.cancellationSignal, () =>
          ctx.heartbeat({ pulling: spec.image }),
        );
        const secretsDigest = spec.secrets.length > 0 ? deps.secretDigester.digest(secrets) : undefined;
        return { plan: planDeployment(spec, observed, { image, ...(secretsDigest ? { secretsDigest } : {}) }), observed };
      } catch (error) {
        throw rejected(error);
      }
    },
  };
}
