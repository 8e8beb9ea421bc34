/**
 * The secrets a service may read, as the worker's operator granted them: regular files under
 * `<secrets dir>/<service>/`, and the environment variables `SLUICE_ENV_GRANTS` names for it.
 * A spec only asks. What it asks outside its grant is refused before anything is looked at
 * (a link in the scope is followed only to somewhere inside it), so an error never says whether
 * a file outside the scope exists; sluice's own settings
 * (`SLUICE_*`, `TEMPORAL_*`, `DOCKER_*`) are never given, whatever the grants say.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { SettingError } from '../../shared/errors';
import { OWN_SETTING_PATTERN } from '../../shared/spec';
import type { SecretLookup, SecretResolver } from '../ports';
import { readRegularFile } from '../../files/safe-files';

/** A secret is an environment value: 64 KiB is far above any real one and bounds what a spec makes the worker read. */
export const MAX_SECRET_BYTES = 64 * 1024;

/** Any service, in a grant: for a worker that serves one team. */
export const ANY_SERVICE = '*';

const SERVICE = /^(\*|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Environment variable names granted per service (or to ANY_SERVICE). */
export type EnvGrants = ReadonlyMap<string, ReadonlySet<string>>;

export function isOwnSetting(name: string): boolean {
  return OWN_SETTING_PATTERN.test(name);
}

/**
 * Parses `SLUICE_ENV_GRANTS`: `service:NAME,NAME service2:NAME` (whitespace between services).
 * Throws a message naming the variable and the fix; granting one of sluice's own settings is refused.
 */
export function parseEnvGrants(text: string | undefined): EnvGrants {
  const grants = new Map<string, Set<string>>();
  for (const entry of (text ?? '').split(/\s+/).filter(Boolean)) {
    const [service, names, extra] = entry.split(':');
    const list = (names ?? '').split(',').filter(Boolean);
    if (extra !== undefined || !SERVICE.test(service ?? '') || list.length === 0 || !list.every((name) => ENV_NAME.test(name))) {
      throw new SettingError(
        `SLUICE_ENV_GRANTS: "${entry}" is not service:NAME[,NAME]; write e.g. SLUICE_ENV_GRANTS="web:DATABASE_URL,STRIPE_KEY api:API_TOKEN"`,
      );
    }
    const own = list.filter(isOwnSetting);
    if (own.length > 0)
      throw new SettingError(
        `SLUICE_ENV_GRANTS: ${own.join(', ')} ${own.length === 1 ? 'is' : 'are'} sluice's own setting${own.length === 1 ? '' : 's'} and cannot be granted to a service; remove ${own.length === 1 ? 'it' : 'them'}`,
      );
    const granted = grants.get(service!) ?? new Set<string>();
    list.forEach((name) => granted.add(name));
    grants.set(service!, granted);
  }
  return grants;
}

export interface SecretScopeSettings {
  /** One subdirectory per service holds the files it may read. */
  dir: string;
  env: EnvGrants;
}

export class ScopedSecrets implements SecretResolver {
  constructor(
    private readonly scope: SecretScopeSettings,
    private readonly environment: NodeJS.ProcessEnv = process.env,
  ) {}

  fromEnv(service: string, name: string): SecretLookup {
    if (isOwnSetting(name)) return { problem: `environment variable ${name} is one of sluice's own settings, never given to a service` };
    const granted = this.scope.env.get(service)?.has(name) || this.scope.env.get(ANY_SERVICE)?.has(name);
    if (!granted)
      return {
        problem: `environment variable ${name} is not granted to ${service}: the worker's operator grants it with SLUICE_ENV_GRANTS="${service}:${name}"`,
      };
    const value = this.environment[name];
    if (value === undefined)
      return {
        problem: `the worker has no environment variable ${name}; set it on the worker host (its value never passes through Temporal)`,
      };
    return { value };
  }

  async fromFile(service: string, file: string): Promise<SecretLookup> {
    const dir = path.resolve(this.scope.dir, service);
    const target = path.resolve(dir, file);
    const outside: SecretLookup = {
      problem: `file ${file} is outside ${service}'s secrets directory ${dir}: the worker's operator puts the files a service may read there`,
    };
    if (!target.startsWith(dir + path.sep)) return outside;
    const missing: SecretLookup = {
      problem: `the worker has no file ${target}; put it in ${dir} on the worker host (its value never passes through Temporal)`,
    };
    // Links inside the scope are the operator's (a Kubernetes secret volume is made of them): followed,
    // but wherever they lead must still be inside the scope.
    const [realDir, realTarget] = await Promise.all([fs.realpath(dir), fs.realpath(target)].map((p) => p.catch(() => undefined)));
    if (realDir === undefined || realTarget === undefined) return missing;
    if (!realTarget.startsWith(realDir + path.sep)) return outside;
    const read = readRegularFile(realTarget, MAX_SECRET_BYTES);
    if ('text' in read) return { value: read.text.replace(/\n$/, '') };
    switch (read.refused) {
      case 'missing':
        return missing;
      case 'link':
        return { problem: `file ${target} was replaced by a link while it was read; try again` };
      case 'notRegular':
        return { problem: `file ${target} is not a regular file: sluice reads only regular files in the secrets directory` };
      case 'tooLarge':
        return { problem: `file ${target} is larger than ${MAX_SECRET_BYTES / 1024} KiB, the most a secret may hold` };
      case 'unreadable':
        return { problem: `file ${target} cannot be read by the worker (${read.code ?? 'error'})` };
    }
  }
}
