import { validateSpec, type DeploymentSpec, type DeploymentSpecInput } from '../../src/shared/spec';

/** A valid spec document; overrides replace top-level fields. */
export function specDocument(overrides: Partial<Record<keyof DeploymentSpecInput, unknown>> & Record<string, unknown> = {}): Record<string, unknown> {
  return {
    service: 'web',
    image: 'sluice-fixture:v2',
    replicas: 3,
    port: 8080,
    health: { path: '/ready', interval: '100ms', startPeriod: '0s' },
    strategy: { type: 'rolling' },
    traffic: { listenPort: 18080 },
    ...overrides,
  };
}

/** A validated spec; throws with the problems when the document is invalid (a test bug). */
export function makeSpec(overrides: Partial<Record<keyof DeploymentSpecInput, unknown>> = {}): DeploymentSpec {
  const result = validateSpec(specDocument(overrides));
  if (!result.ok) throw new Error(`test spec is invalid: ${JSON.stringify(result.problems)}`);
  return result.spec;
}
