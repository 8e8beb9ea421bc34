import { describe, expect, it, vi } from 'vitest';
import { FailureType } from '../../../../src/shared/errors';
import { validateSpec } from '../../../../src/planner/spec';
import { planDeployment } from '../../../../src/planner/plan';
import { FakeTemporal, workflowFailed } from '../../../support/fake-temporal';
import { temporalStub } from '../../../support/fake-temporal';
import { runCli, parseVerb } from '../../../support/run-cli';
import { specDocument, specFile } from '../../../support/specs';
import { registerPlan } from '../../../../src/client/commands/plan';

vi.mock('../../../../src/temporal/connection', async (original) => ({
  ...(await original<object>()),
  connectClient: (await import('../../../support/fake-temporal.js')).connectStub,
}));

/** A worker that plans with the real planner, against a host where v1 runs 3 replicas. */
function plannedByWorker(): FakeTemporal {
  const temporal = new FakeTemporal();
  temporal.onExecute = (_type, options) => {
    const result = validateSpec((options.args as Array<{ spec: unknown }>)[0]!.spec);
    if (!result.ok) throw new Error('test bug: the CLI sent an invalid spec');
    return planDeployment(result.spec, { releases: [{ release: 'v1-abc', slots: [0, 1, 2], image: 'app:v1' }], stopped: [] });
  };
  return temporal;
}

describe('sluice plan', () => {
  it('runs the plan preview on a worker with the spec (and --image), and prints its numbered steps', async () => {
    const temporal = plannedByWorker();
    const { code, stdout } = await runCli(['--task-queue', 'q', 'plan', specFile(), '--image', 'app:v2'], { temporal });
    expect(code).toBe(0);
    const [executed] = temporal.executed;
    expect(executed).toMatchObject({
      workflowType: 'planPreview',
      options: { taskQueue: 'q', args: [{ spec: specDocument({ image: 'app:v2' }) }] },
    });
    expect(executed!.options.workflowId).toMatch(/^plan\/web\/[0-9a-f-]{36}$/);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^web: v1-abc -> \S+ \(rolling\)$/);
    expect(lines[1]).toMatch(/^ {2}1\. \[\w+\] /);
    const steps = lines.filter((line) => /^ *\d+\. \[/.test(line));
    expect(steps.map((line) => Number(line.trim().split('.')[0]))).toEqual(steps.map((_, i) => i + 1));
  });

  it("a fleet's plan is each host's, planned by that host's worker (one preview per host)", async () => {
    const temporal = plannedByWorker();
    const { code, stdout } = await runCli(['plan', specFile(specDocument({ hosts: ['web-1', 'web-2'] }))], { temporal });
    expect(code).toBe(0);
    expect(temporal.executed.map((run) => (run.options.args as Array<{ host?: string }>)[0]!.host)).toEqual(['web-1', 'web-2']);
    expect(stdout.split('\n').filter((line) => !/^ *\d+\. /.test(line) && line !== '')).toEqual([
      expect.stringMatching(/^web on web-1: v1-abc -> \S+ \(rolling\)$/),
      expect.stringMatching(/^web on web-2: v1-abc -> \S+ \(rolling\)$/),
    ]);
  });

  it('--json prints the plan itself', async () => {
    const { code, stdout } = await runCli(['--json', 'plan', specFile()], { temporal: plannedByWorker() });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ service: 'web', strategy: 'rolling', stableRelease: 'v1-abc', steps: expect.any(Array) });
  });

  it('no worker polls the task queue: exit 5 at once, nothing executed', async () => {
    const temporal = plannedByWorker();
    temporal.pollers = 0;
    const { code, stderr } = await runCli(['plan', specFile()], { temporal });
    expect(code).toBe(5);
    expect(stderr).toBe(
      'sluice: no sluice worker polls task queue sluice-deployments in namespace default: start one with `sluice worker` (or `sluice dev` on one machine)\n',
    );
    expect(temporal.executed).toEqual([]);
  });

  it('a plan the worker refuses is exit 2 with its reason', async () => {
    const temporal = plannedByWorker();
    temporal.onExecute = () => {
      throw workflowFailed(FailureType.secretUnavailable, 'secret API_TOKEN: the worker has no environment variable WEB_TOKEN');
    };
    expect(await runCli(['plan', specFile()], { temporal })).toMatchObject({
      code: 2,
      stderr: 'sluice: refused, nothing was touched: secret API_TOKEN: the worker has no environment variable WEB_TOKEN\n',
    });
  });

  it('an invalid spec is exit 2 before connecting', async () => {
    expect((await runCli(['plan', specFile(specDocument({ port: 0 }))], { temporal: plannedByWorker() })).code).toBe(2);
    expect(temporalStub.connected).toEqual([]);
  });
});

describe('sluice plan: arguments', () => {
  it('a spec file and an optional --image', async () => {
    expect(await parseVerb(registerPlan, ['plan', 'web.yaml'])).toEqual({ args: ['web.yaml'], options: {} });
    expect(await parseVerb(registerPlan, ['plan', 'web.yaml', '--image', 'app:v2'])).toEqual({
      args: ['web.yaml'],
      options: { image: 'app:v2' },
    });
    await expect(parseVerb(registerPlan, ['plan', 'web.yaml', '--wait'])).rejects.toMatchObject({ code: 'commander.unknownOption' });
  });
});
