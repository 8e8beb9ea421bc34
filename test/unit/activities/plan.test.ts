import { describe, expect, it } from 'vitest';
import { createPlanActivities, pullOptions } from '../../../src/activities/plan';
import { runActivity } from '../../support/activity';
import { fakeSecrets, FakeRouter, FakeRuntime } from '../../support/fake-ports';
import { makeSpec } from '../../support/specs';

const digester = { digest: (values: Record<string, string>) => `digest-of-${Object.keys(values).sort().join(',')}` };

function planWith(env: Record<string, string>) {
  const runtime = new FakeRuntime();
  return { runtime, ...createPlanActivities({ runtime, router: new FakeRouter(), secrets: fakeSecrets(env), secretDigester: digester }) };
}

describe('observeAndPlan', () => {
  it('every value a spec asks for (secrets, preview header, database URL) is resolved within its grant before anything is pulled', async () => {
    const spec = makeSpec({
      secrets: [{ name: 'API_TOKEN', fromEnv: 'WEB_TOKEN' }],
      migrations: { directory: 'migrations', databaseUrlEnv: 'OTHER_SERVICE_DB' },
    });
    const { runtime, observeAndPlan } = planWith({ WEB_TOKEN: 'token' });
    const error = await runActivity(observeAndPlan, { spec }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      type: 'SecretUnavailable',
      nonRetryable: true,
      message: expect.stringMatching(/^migrations\.databaseUrlEnv: the worker has no environment variable OTHER_SERVICE_DB/),
    });
    expect(runtime.resolved).toEqual([]);
  });

  it('a preview header secret outside the grant refuses the plan', async () => {
    const spec = makeSpec({
      strategy: { type: 'blueGreen', preview: { header: 'X-Preview', headerValueFrom: { fromEnv: 'NOT_GRANTED' } } },
    });
    const error = await runActivity(planWith({}).observeAndPlan, { spec }).catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'SecretUnavailable', message: expect.stringMatching(/^strategy\.preview\.headerValueFrom: /) });
  });

  it('with every value granted, the plan carries the keyed digest of the container secrets only', async () => {
    const spec = makeSpec({
      secrets: [{ name: 'API_TOKEN', fromEnv: 'WEB_TOKEN' }],
      migrations: { directory: 'migrations', databaseUrlEnv: 'WEB_DB' },
    });
    const { runtime, observeAndPlan } = planWith({ WEB_TOKEN: 'token', WEB_DB: 'postgres://web' });
    const planned = await runActivity(observeAndPlan, { spec });
    expect(JSON.stringify(planned.plan)).toContain('digest-of-API_TOKEN');
    expect(runtime.resolved).toEqual([spec.image]);
  });
});

describe('pullOptions', () => {
  it.each([
    ['app', 'always'],
    ['app:latest', 'always'],
    ['localhost:5000/team/app', 'always'],
    ['localhost:5000/team/app:2.4.1', 'missing'],
    ['app:v2', 'missing'],
    [`app@sha256:${'a'.repeat(64)}`, 'missing'],
  ])("%s without a pull policy: %s, falling back to the host's copy when the pull fails", (image, policy) => {
    expect(pullOptions(makeSpec({ image }))).toEqual({ policy, localFallback: true });
  });

  it("the spec's own policy is used as it is, without a fallback", () => {
    expect(pullOptions(makeSpec({ image: 'app:latest', pull: 'never' }))).toEqual({ policy: 'never', localFallback: false });
    expect(pullOptions(makeSpec({ image: 'app:v2', pull: 'always' }))).toEqual({ policy: 'always', localFallback: false });
  });
});
