import { describe, expect, it, vi } from 'vitest';
import { deployResult, deploymentStatus, FakeTemporal, notReleased } from '../../../support/fake-temporal';
import { runCli, parseVerb } from '../../../support/run-cli';
import { registerStatus } from '../../../../src/client/commands/status';

vi.mock('../../../../src/temporal/connection', async (original) => ({
  ...(await original<object>()),
  connectClient: (await import('../../../support/fake-temporal.js')).connectStub,
}));

describe('sluice status', () => {
  it('a running deployment: its live block from the status query, exit 0', async () => {
    const temporal = new FakeTemporal();
    temporal.addRun('web', {
      answer: deploymentStatus({
        phase: 'shifting',
        stableRelease: 'v1-abc',
        step: { number: 3, total: 9, summary: 'start v2-abc replica 0', rollback: false },
      }),
    });
    const { code, stdout } = await runCli(['status', 'web'], { temporal });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^deploy\/web {2}rolling {2}v1-abc -> v2-abc/);
    expect(stdout).toContain('phase shifting  step 3/9: start v2-abc replica 0');
  });

  it('an unreadable TLS file is a bad setting: exit 2 naming the variable, Temporal never dialled', async () => {
    const temporal = new FakeTemporal();
    const { code, stderr } = await runCli(['status', 'web'], { temporal, env: { TEMPORAL_TLS_CA: '/nonexistent/ca.pem' } });
    expect(code).toBe(2);
    expect(stderr).toBe('sluice: TEMPORAL_TLS_CA=/nonexistent/ca.pem cannot be read (ENOENT): point it at the PEM file\n');
  });

  it('reads the run it described (pinned by run id), not one a deploy started since', async () => {
    const temporal = new FakeTemporal();
    const described = temporal.addRun('web', { answer: deploymentStatus({ targetRelease: 'v2-abc' }) });
    temporal.onDescribe = () => {
      temporal.onDescribe = () => undefined;
      temporal.addRun('web', { answer: deploymentStatus({ targetRelease: 'v3-def' }) });
    };
    const { code, stdout } = await runCli(['--json', 'status', 'web'], { temporal });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      workflowId: 'deploy/web',
      runId: described.runId,
      running: true,
      status: { targetRelease: 'v2-abc' },
    });
    expect(described.queries).toBe(1);
  });

  it('running, but no worker answers the query: exit 5, saying how to start one', async () => {
    const temporal = new FakeTemporal();
    temporal.addRun('web');
    const { code, stderr } = await runCli(['status', 'web', '--task-queue', 'q1'], { temporal });
    expect(code).toBe(5);
    expect(stderr).toMatch(
      /the deployment of web is running but no worker answered for its status: no sluice worker polls task queue q1 in namespace default/,
    );
  });

  it('a finished deployment is shown from its result, whether it released or rolled back (no worker needed)', async () => {
    const temporal = new FakeTemporal();
    temporal.addRun('web', { status: 'COMPLETED', outcome: { result: deployResult() } });
    const released = await runCli(['status', 'web'], { temporal });
    expect(released.code).toBe(0);
    expect(released.stdout).toMatch(/^deploy\/web {2}released {2}v1-abc -> v2-abc\nserving v2-abc\n/);

    temporal.addRun('web', {
      status: 'FAILED',
      outcome: { error: notReleased(deployResult({ outcome: 'rolledBack', reason: 'v2 unhealthy', serving: 'v1-abc' })) },
    });
    const rolledBack = await runCli(['status', 'web'], { temporal });
    // Showing a rolled-back deployment succeeded: the exit code is the verb's, not the deployment's.
    expect(rolledBack.code).toBe(0);
    expect(rolledBack.stdout).toContain('reason: v2 unhealthy');
    expect(rolledBack.stdout).toContain('serving v1-abc');
  });

  it('a run that ended without a result (terminated) says how it ended', async () => {
    const temporal = new FakeTemporal();
    temporal.addRun('web', { status: 'TERMINATED', outcome: { error: new Error('terminated by operator') } });
    const { code, stdout } = await runCli(['status', 'web'], { temporal });
    expect(code).toBe(0);
    expect(stdout).toBe('deploy/web: terminated: Error: terminated by operator\n');
  });

  it('--watch follows a running deployment to its end and exits with its outcome (3 aborted, 1 rolled back)', async () => {
    const temporal = new FakeTemporal();
    temporal.addRun('web', {
      answer: deploymentStatus(),
      outcome: { error: notReleased(deployResult({ outcome: 'aborted', reason: 'p99 up' })) },
    });
    const aborted = await runCli(['status', 'web', '--watch'], { temporal });
    expect(aborted.code).toBe(3);
    expect(aborted.stdout).toMatch(/web: aborted \(p99 up\)\n$/);

    temporal.addRun('web', { answer: deploymentStatus(), outcome: { error: notReleased(deployResult({ outcome: 'rolledBack' })) } });
    expect((await runCli(['status', 'web', '--watch'], { temporal })).code).toBe(1);
  });

  it('no deployment of the service: exit 2 naming it', async () => {
    const { code, stderr } = await runCli(['status', 'nope'], { temporal: new FakeTemporal() });
    expect(code).toBe(2);
    expect(stderr).toBe('sluice: no deployment of nope found: check the name, or deploy it first\n');
  });

  it('Temporal unreachable: exit 5 naming the address from --address', async () => {
    const { code, stderr } = await runCli(['--address', 'temporal.example:7233', 'status', 'web'], {
      connectFailure: new Error('14 UNAVAILABLE: connect ECONNREFUSED'),
    });
    expect(code).toBe(5);
    expect(stderr).toMatch(
      /^sluice: cannot reach Temporal at temporal\.example:7233 \(14 UNAVAILABLE: connect ECONNREFUSED\): run `sluice dev` or set TEMPORAL_ADDRESS/,
    );
  });
});

describe('sluice status: arguments', () => {
  it('a service and --watch', async () => {
    expect(await parseVerb(registerStatus, ['status', 'web'])).toEqual({ args: ['web'], options: {} });
    expect(await parseVerb(registerStatus, ['status', 'web', '--watch'])).toEqual({ args: ['web'], options: { watch: true } });
    await expect(parseVerb(registerStatus, ['status'])).rejects.toMatchObject({ code: 'commander.missingArgument' });
  });
});
