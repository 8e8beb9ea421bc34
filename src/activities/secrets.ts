import type { SecretRef } from '../domain';
import type { DeploymentSpec } from '../planner/spec';
import type { SecretSource } from '../shared/spec';
import { FailureType } from '../shared/errors';
import { failure } from './failures';
import type { SecretResolver } from './ports';
import { previewOf } from '../planner/strategies';

/** One of a service's secret values, on the worker; `what` names it in the error ("secret API_TOKEN"). */
export async function resolveSecret(service: string, source: SecretSource, resolver: SecretResolver, what: string): Promise<string> {
  const found =
    source.fromEnv !== undefined ? resolver.fromEnv(service, source.fromEnv) : await resolver.fromFile(service, source.fromFile!);
  if ('problem' in found) throw failure(FailureType.secretUnavailable, `${what}: ${found.problem}`);
  return found.value;
}

/** Resolves a service's secret references into env entries, on the worker, at container creation. */
export async function resolveSecrets(service: string, refs: SecretRef[], resolver: SecretResolver): Promise<Record<string, string>> {
  const entries = await Promise.all(
    refs.map(async (ref) => [ref.name, await resolveSecret(service, ref, resolver, `secret ${ref.name}`)] as const),
  );
  return Object.fromEntries(entries);
}

/**
 * Every value a spec asks the worker for, resolved once before anything is touched: a reference
 * outside the service's grant refuses the deployment at plan time, not halfway through it.
 * Returns the container secrets (for their digest); the others are checked and dropped.
 */
export async function resolveSpecSecrets(spec: DeploymentSpec, resolver: SecretResolver): Promise<Record<string, string>> {
  const preview = previewOf(spec)?.headerValueFrom;
  const [secrets] = await Promise.all([
    resolveSecrets(spec.service, spec.secrets, resolver),
    preview ? resolveSecret(spec.service, preview, resolver, 'strategy.preview.headerValueFrom') : undefined,
    spec.migrations
      ? resolveSecret(spec.service, { fromEnv: spec.migrations.databaseUrlEnv }, resolver, 'migrations.databaseUrlEnv')
      : undefined,
  ]);
  return secrets;
}
