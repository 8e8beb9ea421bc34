import { describe, expect, it, vi } from 'vitest';
import { deployResult, deploymentStatus, FakeTemporal, notReleased } from '../../../support/fake-temporal';
import { runCli, TEST_ACTOR, parseVerb } from '../../../support/run-cli';
import { registerAbort } from '../../../../src/client/commands/abort';

vi.mock('../../../../src/temporal/connection', async (original) => ({
  ...(await original<object>()),
  connectClient: (await import('../../../support/fake-temporal.js')).connectStub,
}));

describe('sluice abort', () => {
  it('signals abort with who and why, and returns at once (exit 0)', async () => {
    const temporal = new FakeTemporal();
    const run = temporal.addRun('web');
    const { code, stdout } = await runCli(['abort', 'web', '--reason', 'p99 up'], { temporal });
    expect(code).toBe(0);
    expect(stdout).toBe('abort sent to web: it rolls back now; `sluice status web --watch` follows it\n');
    expect(run.signals).toEqual([{ name: 'abort', arg: { by: TEST_ACTOR, reason: 'p99 up' } }]);
  });

  it('--wait follows the rollback and exits 3 (aborted) with the reason', async () => {
    const temporal = new FakeTemporal();
    const run = temporal.addRun('web', {
      answer: deploymentStatus({ phase: 'rollingBack' }),
      outcome: { error: notReleased(deployResult({ outcome: 'aborted', reason: 'aborted by tester@ci: p99 up' })) },
    });
    const { code, stdout } = await runCli(['abort', 'web', '--wait', '--reason', 'p99 up'], { temporal });
    expect(code).toBe(3);
    expect(stdout).toMatch(/web: aborted \(aborted by tester@ci: p99 up\)\n$/);
    expect(run.signals).toHaveLength(1);
  });

  it('--wait --json: the result document, and the exit code of the outcome (a deployment that released anyway: 0)', async () => {
    const temporal = new FakeTemporal();
    temporal.addRun('web', { answer: deploymentStatus(), outcome: { result: deployResult() } });
    const { code, stdout } = await runCli(['--json', 'abort', 'web', '--wait'], { temporal });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ outcome: 'released', serving: 'v2-abc' });
  });

  it('nothing running: exit 2, no signal', async () => {
    const temporal = new FakeTemporal();
    const run = temporal.addRun('web', { status: 'COMPLETED' });
    expect((await runCli(['abort', 'web'], { temporal })).code).toBe(2);
    expect(run.signals).toEqual([]);
  });
});

describe('sluice abort: arguments', () => {
  it('a service, an optional --reason and --wait', async () => {
    expect(await parseVerb(registerAbort, ['abort', 'web', '--reason', 'p99 up', '--wait'])).toEqual({
      args: ['web'],
      options: { reason: 'p99 up', wait: true },
    });
    expect(await parseVerb(registerAbort, ['abort', 'web'])).toEqual({ args: ['web'], options: {} });
    await expect(parseVerb(registerAbort, ['abort'])).rejects.toMatchObject({ code: 'commander.missingArgument' });
    await expect(parseVerb(registerAbort, ['abort', 'web', '--reason'])).rejects.toMatchObject({ code: 'commander.optionMissingArgument' });
  });
});
