import { describe, expect, it, vi } from 'vitest';
import { FakeTemporal } from '../../../support/fake-temporal';
import { runCli, TEST_ACTOR, parseVerb } from '../../../support/run-cli';
import { registerPause, registerResume } from '../../../../src/client/commands/pause';

vi.mock('../../../../src/temporal/connection', async (original) => ({
  ...(await original<object>()),
  connectClient: (await import('../../../support/fake-temporal.js')).connectStub,
}));

describe('sluice pause', () => {
  it('signals pause to the running deployment, with who and why', async () => {
    const temporal = new FakeTemporal();
    const run = temporal.addRun('web');
    const { code, stdout } = await runCli(['pause', 'web', '--reason', 'checking dashboards'], { temporal });
    expect(code).toBe(0);
    expect(stdout).toBe('pause sent to web: it holds after the current step\n');
    expect(run.signals).toEqual([{ name: 'pause', arg: { by: TEST_ACTOR, reason: 'checking dashboards' } }]);
  });

  it('without --reason sends no reason; --json prints what was sent', async () => {
    const temporal = new FakeTemporal();
    const run = temporal.addRun('web');
    const { code, stdout } = await runCli(['--json', 'pause', 'web'], { temporal, env: { SLUICE_ACTOR: 'ci:42' } });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ sent: 'pause', service: 'web' });
    expect(run.signals).toEqual([{ name: 'pause', arg: { by: 'ci:42' } }]);
  });

  it('nothing running: exit 2 and no signal; no such service: exit 2 naming it', async () => {
    const temporal = new FakeTemporal();
    const finished = temporal.addRun('web', { status: 'COMPLETED' });
    expect(await runCli(['pause', 'web'], { temporal })).toMatchObject({
      code: 2,
      stderr: 'sluice: no deployment of web is running (the last one is completed): see `sluice status web`\n',
    });
    expect(finished.signals).toEqual([]);
    expect(await runCli(['pause', 'api'], { temporal })).toMatchObject({
      code: 2,
      stderr: 'sluice: no deployment of api found: check the name, or deploy it first\n',
    });
  });
});

describe('sluice resume', () => {
  it('signals resume with who sent it', async () => {
    const temporal = new FakeTemporal();
    const run = temporal.addRun('web');
    const { code, stdout } = await runCli(['resume', 'web'], { temporal });
    expect(code).toBe(0);
    expect(stdout).toBe('resume sent to web\n');
    expect(run.signals).toEqual([{ name: 'resume', arg: { by: TEST_ACTOR } }]);
  });

  it('takes no --reason (a usage error, exit 2, nothing sent)', async () => {
    const temporal = new FakeTemporal();
    const run = temporal.addRun('web');
    const { code, stderr } = await runCli(['resume', 'web', '--reason', 'x'], { temporal });
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown option '--reason'/);
    expect(run.signals).toEqual([]);
  });
});

describe('sluice pause / resume: arguments', () => {
  it('pause: a service and an optional --reason; resume: a service only', async () => {
    expect(await parseVerb(registerPause, ['pause', 'web', '--reason', 'x'])).toEqual({ args: ['web'], options: { reason: 'x' } });
    expect(await parseVerb(registerResume, ['resume', 'web'])).toEqual({ args: ['web'], options: {} });
    await expect(parseVerb(registerPause, ['pause'])).rejects.toMatchObject({ code: 'commander.missingArgument' });
    await expect(parseVerb(registerResume, ['resume', 'web', 'api'])).rejects.toMatchObject({ code: 'commander.excessArguments' });
  });
});
