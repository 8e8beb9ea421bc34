import os from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { actorFrom, createContext } from '../../../src/client/context';
import { createOutput } from '../../../src/client/output';
import { FakeTemporal, temporalStub } from '../../support/fake-temporal';

vi.mock('../../../src/temporal/connection', async (original) => ({
  ...(await original<object>()),
  connectClient: (await import('../../support/fake-temporal.js')).connectStub,
}));

const out = createOutput(true);

describe('actorFrom', () => {
  it("SLUICE_ACTOR, else GitHub Actions' actor and run, else CI's job, else user@host", () => {
    expect(actorFrom({ SLUICE_ACTOR: 'release-bot', GITHUB_ACTIONS: 'true', CI: 'true' })).toBe('release-bot');
    expect(actorFrom({ GITHUB_ACTIONS: 'true', GITHUB_ACTOR: 'octocat', GITHUB_RUN_ID: '42', CI: 'true' })).toBe('github:octocat (run 42)');
    expect(actorFrom({ GITHUB_ACTIONS: 'true' })).toBe('github:unknown (run ?)');
    expect(actorFrom({ CI: 'true', CI_JOB_ID: '7' })).toBe('ci:7');
    expect(actorFrom({ CI: '1', BUILD_ID: 'b9' })).toBe('ci:b9');
    expect(actorFrom({ CI: '1' })).toBe('ci:job');
    expect(actorFrom({})).toBe(`${os.userInfo().username}@${os.hostname()}`);
  });
});

describe('createContext', () => {
  it('flags win over the environment; the task queue falls back to SLUICE_TASK_QUEUE, then the default', () => {
    const env = { TEMPORAL_ADDRESS: 'env:7233', TEMPORAL_NAMESPACE: 'env-ns', SLUICE_TASK_QUEUE: 'env-q' };
    expect(createContext(out, { address: 'flag:7233', namespace: 'flag-ns', taskQueue: 'flag-q' }, env)).toMatchObject({
      settings: { address: 'flag:7233', namespace: 'flag-ns' },
      taskQueue: 'flag-q',
    });
    expect(createContext(out, {}, env)).toMatchObject({ settings: { address: 'env:7233', namespace: 'env-ns' }, taskQueue: 'env-q' });
    expect(createContext(out, {}, {})).toMatchObject({
      settings: { address: 'localhost:7233', namespace: 'default' },
      taskQueue: 'sluice-deployments',
    });
  });

  it('connects lazily, once, with its settings', async () => {
    const temporal = new FakeTemporal();
    temporalStub.current = temporal;
    temporalStub.failure = undefined;
    temporalStub.connected = [];
    const context = createContext(out, { address: 'flag:7233' }, {});
    expect(temporalStub.connected).toEqual([]);
    expect(await context.client()).toBe(temporal.client);
    expect(await context.client()).toBe(temporal.client);
    expect(temporalStub.connected).toEqual([{ address: 'flag:7233', namespace: 'default' }]);
  });

  it('a failed connection is exit 5 naming the address it tried', async () => {
    temporalStub.failure = new Error('connect ECONNREFUSED 10.0.0.1:7233');
    const error = await createContext(out, { address: '10.0.0.1:7233' }, {})
      .client()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ exitCode: 5, message: expect.stringMatching(/^cannot reach Temporal at 10\.0\.0\.1:7233 /) });
    temporalStub.failure = undefined;
  });

  it("the actor comes from the context's environment", () => {
    expect(createContext(out, {}, { SLUICE_ACTOR: 'someone' }).actor()).toBe('someone');
  });
});
