import { describe, expect, it, vi } from 'vitest';
import { deployResult, deploymentStatus, FakeTemporal } from '../../../support/fake-temporal';
import { runCli, TEST_ACTOR, parseVerb } from '../../../support/run-cli';
import { specDocument } from '../../../support/specs';
import { registerRollback } from '../../../../src/client/commands/rollback';

vi.mock('../../../../src/temporal/connection', async (original) => ({
  ...(await original<object>()),
  connectClient: (await import('../../../support/fake-temporal.js')).connectStub,
}));

/** web released v1 (pinned by digest), then v2; the last deployment recorded its spec. */
const PINNED = `registry.example/app@sha256:${'1'.repeat(64)}`;

function releasedTwice(lastSpec: Record<string, unknown> | null = specDocument({ image: 'app:v2' })): FakeTemporal {
  const temporal = new FakeTemporal();
  temporal.addRun('web', {
    status: 'COMPLETED',
    searchAttributes: { service: 'web', release: 'v1-abc', phase: 'released' },
    memo: { image: 'app:v1', pinnedImage: PINNED },
  });
  temporal.addRun('web', {
    status: 'COMPLETED',
    searchAttributes: { service: 'web', release: 'v2-def', phase: 'released' },
    memo: { image: 'app:v2', ...(lastSpec ? { spec: lastSpec } : {}) },
  });
  temporal.onStart = (run) => {
    run.answer = deploymentStatus({ targetRelease: 'v1-abc' });
    run.onUpdate = () => ({ full: true, message: 'promoted fully' });
  };
  return temporal;
}

describe('sluice rollback', () => {
  it('deploys the previously released content (its pinned image) with the last spec, promoted fully', async () => {
    const temporal = releasedTwice();
    const { code, stdout } = await runCli(['rollback', 'web'], { temporal });
    expect(code).toBe(0);
    const started = temporal.runs[2]!;
    expect(started.started?.options).toMatchObject({
      workflowId: 'deploy/web',
      args: [{ spec: { ...specDocument(), image: PINNED }, requestedBy: `${TEST_ACTOR} (sluice rollback)` }],
    });
    expect(started.updates).toEqual([
      { name: 'promote', arg: { by: TEST_ACTOR, full: true, reason: 'rollback to app:v1, released before' } },
    ]);
    expect(stdout).toMatch(
      /^rolling web back from app:v2 to app:v1 as registry\.example\/app@sha256:1{64} \(released 2030-01-01T00:00:00\.000Z\), skipping pauses and analyses\n/,
    );
    expect(stdout).toContain(`started deploy/web; follow it with \`sluice status web --watch\``);
  });

  it('--wait follows the rollback and exits with its outcome', async () => {
    const temporal = releasedTwice();
    temporal.onStart = (run) => {
      run.answer = deploymentStatus({ targetRelease: 'v1-abc' });
      run.onUpdate = () => ({ full: true, message: 'promoted fully' });
      run.outcome = { result: deployResult({ targetRelease: 'v1-abc', serving: 'v1-abc' }) };
    };
    const { code, stdout } = await runCli(['rollback', 'web', '--wait'], { temporal });
    expect(code).toBe(0);
    expect(stdout).toMatch(/web: released\n$/);
  });

  it('nothing released before the current release: exit 2, nothing started', async () => {
    const temporal = new FakeTemporal();
    temporal.addRun('web', {
      status: 'COMPLETED',
      searchAttributes: { service: 'web', release: 'v2-def', phase: 'released' },
      memo: { image: 'app:v2', spec: specDocument() },
    });
    const { code, stderr } = await runCli(['rollback', 'web'], { temporal });
    expect(code).toBe(2);
    expect(stderr).toBe('sluice: web has no earlier released image to roll back to (1 released deployment(s) found)\n');
    expect(temporal.runs).toHaveLength(1);
  });

  it('the last deployment recorded no spec, or one that no longer validates: exit 2 saying what to do', async () => {
    const noSpec = await runCli(['rollback', 'web'], { temporal: releasedTwice(null) });
    expect(noSpec).toMatchObject({
      code: 2,
      stderr: 'sluice: the last deployment of web recorded no spec to reuse: deploy the image app:v1 with your spec file\n',
    });
    const stale = await runCli(['rollback', 'web'], { temporal: releasedTwice(specDocument({ replicas: -1 })) });
    expect(stale).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^sluice: the last spec of web no longer validates: replicas: /),
    });
  });

  it('a name that is not a service name is refused before connecting', async () => {
    const temporal = releasedTwice();
    const { code, stderr } = await runCli(['rollback', 'Web_1'], { temporal });
    expect(code).toBe(2);
    expect(stderr).toBe('sluice: "Web_1" is not a service name (lowercase letters, digits and -)\n');
    expect(temporal.runs).toHaveLength(2);
  });
});

describe('sluice rollback: arguments', () => {
  it('a service, --wait, and the worker wait flags of deploy', async () => {
    expect(await parseVerb(registerRollback, ['rollback', 'web'])).toEqual({ args: ['web'], options: { workerTimeout: '30s' } });
    expect(await parseVerb(registerRollback, ['rollback', 'web', '--wait', '--wait-for-worker'])).toEqual({
      args: ['web'],
      options: { workerTimeout: '30s', wait: true, waitForWorker: true },
    });
  });
});
