import type { SecretRef, SecretSource } from '../shared/spec';
import { FailureType } from '../shared/errors';
import { failure } from './failures';
import type { SecretResolver } from './ports';

/** One secret value, on the worker; `what` names it in the error ("secret API_TOKEN"). */
export async function resolveSecret(source: SecretSource, resolver: SecretResolver, what: string): Promise<string> {
  const value = source.fromEnv !== undefined ? resolver.fromEnv(source.fromEnv) : await resolver.fromFile(source.fromFile!);
  if (value === undefined) {
    const where = source.fromEnv !== undefined ? `environment variable ${source.fromEnv}` : `file ${source.fromFile}`;
    throw failure(FailureType.secretUnavailable, `${what}: the worker has no ${where}; set it on the worker host (its value never passes through Temporal)`);
  }
  return value;
}

/** Resolves a spec's secret references into env entries, on the worker, at container creation. */
export async function resolveSecrets(refs: SecretRef[], resolver: SecretResolver): Promise<Record<string, string>> {
  const entries = await Promise.all(refs.map(async (ref) => [ref.name, await resolveSecret(ref, resolver, `secret ${ref.name}`)] as const));
  return Object.fromEntries(entries);
}
