import { ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, it, vi } from 'vitest';
import { FakeTemporal } from '../../../support/fake-temporal';
import { runCli, TEST_ACTOR, parseVerb } from '../../../support/run-cli';
import { registerPromote } from '../../../../src/client/commands/promote';

vi.mock('../../../../src/temporal/connection', async (original) => ({
  ...(await original<object>()),
  connectClient: (await import('../../../support/fake-temporal.js')).connectStub,
}));

describe('sluice promote', () => {
  it("sends the promote update with who, why and --full, and prints the gate's answer", async () => {
    const temporal = new FakeTemporal();
    const run = temporal.addRun('web', { onUpdate: () => ({ gate: 'pause', full: true, message: 'skipping every remaining pause' }) });
    const { code, stdout } = await runCli(['promote', 'web', '--full', '--reason', 'hotfix'], { temporal });
    expect(code).toBe(0);
    expect(stdout).toBe('accepted: skipping every remaining pause\n');
    expect(run.updates).toEqual([{ name: 'promote', arg: { by: TEST_ACTOR, reason: 'hotfix', full: true } }]);
  });

  it('--json carries the whole answer; without flags only who is sent', async () => {
    const temporal = new FakeTemporal();
    const run = temporal.addRun('web', { onUpdate: () => ({ gate: 'analysis', full: false, message: 'promoted past the analysis' }) });
    const { code, stdout } = await runCli(['--json', 'promote', 'web'], { temporal });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ accepted: true, gate: 'analysis', full: false, message: 'promoted past the analysis' });
    expect(run.updates[0]!.arg).toEqual({ by: TEST_ACTOR });
  });

  it('an answer the workflow ignored (it is rolling back) is exit 2 with its message', async () => {
    const temporal = new FakeTemporal();
    temporal.addRun('web', {
      onUpdate: () => ({ full: false, ignored: true, message: 'the deployment is rolling back: nothing to promote' }),
    });
    expect(await runCli(['promote', 'web'], { temporal })).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'sluice: the deployment is rolling back: nothing to promote\n',
    });
  });

  it('an update the validator rejected is exit 2 with its reason', async () => {
    const temporal = new FakeTemporal();
    temporal.addRun('web', {
      onUpdate: () => {
        throw new WorkflowUpdateFailedError(
          'Workflow Update failed',
          ApplicationFailure.create({ message: 'no gate is open: the deployment is starting replicas' }),
        );
      },
    });
    expect(await runCli(['promote', 'web'], { temporal })).toMatchObject({
      code: 2,
      stderr: 'sluice: rejected: no gate is open: the deployment is starting replicas\n',
    });
  });

  it('nothing running: exit 2 and no update', async () => {
    const temporal = new FakeTemporal();
    const run = temporal.addRun('web', { status: 'FAILED' });
    expect((await runCli(['promote', 'web'], { temporal })).code).toBe(2);
    expect(run.updates).toEqual([]);
  });
});

describe('sluice promote: arguments', () => {
  it('a service, --full and --reason', async () => {
    expect(await parseVerb(registerPromote, ['promote', 'web'])).toEqual({ args: ['web'], options: {} });
    expect(await parseVerb(registerPromote, ['promote', 'web', '--full', '--reason', 'hotfix'])).toEqual({
      args: ['web'],
      options: { full: true, reason: 'hotfix' },
    });
  });
});
