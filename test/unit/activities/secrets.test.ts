import { describe, expect, it } from 'vitest';
import type { SecretResolver } from '../../../src/activities/ports';
import { resolveSecret, resolveSecrets, resolveSpecSecrets } from '../../../src/activities/secrets';
import { fakeSecrets } from '../../support/fake-ports';
import { makeSpec } from '../../support/specs';

/** Environment values from a map, files from another; records which service asked. */
function resolver(env: Record<string, string>, files: Record<string, string> = {}) {
  const asked: string[] = [];
  const secrets: SecretResolver = {
    fromEnv: (service, name) => (
      asked.push(`${service} env ${name}`),
      name in env ? { value: env[name]! } : { problem: `${name} is not granted to ${service}` }
    ),
    fromFile: async (service, file) => (
      asked.push(`${service} file ${file}`),
      file in files ? { value: files[file]! } : { problem: `no file ${file}` }
    ),
  };
  return { secrets, asked };
}

describe('resolveSecret', () => {
  it('from env or from a file, for the service; a problem becomes a non-retryable SecretUnavailable naming what asked', async () => {
    const { secrets, asked } = resolver({ TOKEN: 't' }, { 'db.pw': 'pw' });
    expect(await resolveSecret('web', { fromEnv: 'TOKEN' }, secrets, 'secret API_TOKEN')).toBe('t');
    expect(await resolveSecret('web', { fromFile: 'db.pw' }, secrets, 'secret DB_PASSWORD')).toBe('pw');
    expect(asked).toEqual(['web env TOKEN', 'web file db.pw']);
    const error = await resolveSecret('api', { fromEnv: 'TOKEN2' }, secrets, 'secret X').catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'SecretUnavailable', nonRetryable: true, message: 'secret X: TOKEN2 is not granted to api' });
  });
});

describe('resolveSecrets', () => {
  it('env entries by the names the container sees', async () => {
    const { secrets } = resolver({ WEB_TOKEN: 't' }, { 'pw.txt': 'pw' });
    expect(
      await resolveSecrets(
        'web',
        [
          { name: 'API_TOKEN', fromEnv: 'WEB_TOKEN' },
          { name: 'DB_PASSWORD', fromFile: 'pw.txt' },
        ],
        secrets,
      ),
    ).toEqual({ API_TOKEN: 't', DB_PASSWORD: 'pw' });
    expect(await resolveSecrets('web', [], secrets)).toEqual({});
  });
});

describe('resolveSpecSecrets', () => {
  it('checks the preview header and the database URL too, but returns only the container secrets', async () => {
    const spec = makeSpec({
      secrets: [{ name: 'API_TOKEN', fromEnv: 'WEB_TOKEN' }],
      strategy: { type: 'blueGreen', preview: { header: 'X-Preview', headerValueFrom: { fromEnv: 'PREVIEW' } } },
      migrations: { directory: 'migrations', databaseUrlEnv: 'WEB_DB' },
    });
    const { secrets, asked } = resolver({ WEB_TOKEN: 't', PREVIEW: 'p', WEB_DB: 'postgres://' });
    expect(await resolveSpecSecrets(spec, secrets)).toEqual({ API_TOKEN: 't' });
    expect(asked.sort()).toEqual(['web env PREVIEW', 'web env WEB_DB', 'web env WEB_TOKEN']);
  });

  it('a spec without references asks for nothing', async () => {
    const { secrets, asked } = resolver({});
    expect(await resolveSpecSecrets(makeSpec(), secrets)).toEqual({});
    expect(asked).toEqual([]);
  });

  it('the database URL outside the grant refuses, naming the field', async () => {
    const error = await resolveSpecSecrets(makeSpec({ migrations: { directory: 'm', databaseUrlEnv: 'OTHER_DB' } }), fakeSecrets()).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      type: 'SecretUnavailable',
      message: 'migrations.databaseUrlEnv: the worker has no environment variable OTHER_DB',
    });
  });
});
