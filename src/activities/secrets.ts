import type { SecretRef } from '../shared/spec';
import { FailureType } from '../shared/errors';
import { failure } from './failures';
import type { SecretResolver } from './ports';

/** Resolves a spec's secret references into env entries, on the worker, at container creation. */
export async function resolveSecrets(refs: SecretRef[], resolver: SecretResolver): Promise<Record<string, string>> {
  const entries = await Promise.all(
    refs.map(async (ref) => {
      const value = ref.fromEnv !== undefined ? resolver.fromEnv(ref.fromEnv) : await resolver.fromFile(ref.fromFile!);
      if (value === undefined) {
        const source = ref.fromEnv !== undefined ? `environment variable ${ref.fromEnv}` : `file ${ref.fromFile}`;
        throw failure(FailureType.secretUnavailable, `secret ${ref.name}: the worker has no ${source}; set it on the worker host (its value never passes through Temporal)`);
      }
      return [ref.name, value] as const;
    }),
  );
  return Object.fromEntries(entries);
}
