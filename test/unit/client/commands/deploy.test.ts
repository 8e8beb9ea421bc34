import { describe, expect, it, vi } from 'vitest';
import { FailureType } from '../../../../src/shared/errors';
import { deployResult, deploymentStatus, FakeTemporal, notReleased, workflowFailed } from '../../../support/fake-temporal';
import { runCli, TEST_ACTOR, parseVerb } from '../../../support/run-cli';
import { specDocument, specFile } from '../../../support/specs';
import { registerDeploy, workerWait } from '../../../../src/client/commands/deploy';

vi.mock('../../../../src/temporal/connection', async (original) => ({
  ...(await original<object>()),
  connectClient: (await import('../../../support/fake-temporal.js')).connectStub,
}));

/** A dev server's address: the Web UI link is derived from it. */
const LOCAL = ['--address', '127.0.0.1:7233'];
const env = { SLUICE_TEMPORAL_UI: undefined, TEMPORAL_NAMESPACE: undefined };

describe('sluice deploy', () => {
  it('starts deploy/<service> on the task queue with the spec as written and who asked, waits for the plan, and returns (exit 0)', async () => {
    const temporal = new FakeTemporal();
    temporal.onStart = (run) =>
      (run.answer = deploymentStatus({ targetRelease: 'v2-abc', notes: ['first deployment: nothing to roll back to'] }));
    const { code, stdout } = await runCli([...LOCAL, '--task-queue', 'deploys', 'deploy', specFile(), '--image', 'app:v2'], {
      temporal,
      env,
    });
    expect(code).toBe(0);
    const [run] = temporal.runsOf('web');
    expect(run!.started).toMatchObject({
      workflowType: 'deploy',
      options: {
        workflowId: 'deploy/web',
        taskQueue: 'deploys',
        workflowIdConflictPolicy: 'FAIL',
        args: [{ spec: specDocument({ image: 'app:v2' }), requestedBy: TEST_ACTOR }],
      },
    });
    expect(run!.memo).toMatchObject({ image: 'app:v2', requestedBy: TEST_ACTOR });
    expect(stdout.split('\n')).toEqual([
      'deploying web: app:v2 (rolling)',
      'Web UI: http://127.0.0.1:8233/namespaces/default/workflows/deploy%2Fweb',
      'planned release v2-abc',
      'note: first deployment: nothing to roll back to',
      `started deploy/web (run ${run!.runId}); follow it with \`sluice status web --watch\``,
      '',
    ]);
  });

  it('--json: one document with the workflow, run, release and strategy', async () => {
    const temporal = new FakeTemporal();
    const { code, stdout } = await runCli([...LOCAL, '--json', 'deploy', specFile()], { temporal, env });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      workflowId: 'deploy/web',
      runId: temporal.runs[0]!.runId,
      service: 'web',
      image: 'sluice-fixture:v2',
      release: 'v2-abc',
      strategy: 'rolling',
      url: 'http://127.0.0.1:8233/namespaces/default/workflows/deploy%2Fweb',
    });
  });

  it('--wait follows it to the end: exit 0 released, 1 rolled back, with what serves', async () => {
    const temporal = new FakeTemporal();
    temporal.onStart = (run) => {
      run.answer = deploymentStatus();
      run.outcome = { result: deployResult() };
    };
    const released = await runCli([...LOCAL, 'deploy', specFile(), '--wait'], { temporal, env });
    expect(released.code).toBe(0);
    expect(released.stdout).toMatch(/web: released; serving v2-abc\n$/);

    temporal.runs[0]!.status = 'COMPLETED';
    temporal.onStart = (run) => {
      run.answer = deploymentStatus();
      run.outcome = {
        error: notReleased(deployResult({ outcome: 'rolledBack', reason: 'replica sluice_web_v2-abc_0 is unhealthy', serving: 'v1-abc' })),
      };
    };
    const rolledBack = await runCli([...LOCAL, 'deploy', specFile(), '--wait'], { temporal, env });
    expect(rolledBack.code).toBe(1);
    expect(rolledBack.stdout).toMatch(/web: rolledBack \(replica sluice_web_v2-abc_0 is unhealthy\); serving v1-abc\n$/);
  });

  it('a deployment that ended before it was seen planned is reported with its outcome even without --wait', async () => {
    const temporal = new FakeTemporal();
    temporal.onStart = (run) => {
      run.status = 'FAILED';
      run.outcome = { error: notReleased(deployResult({ outcome: 'failed', reason: 'contract migration failed', serving: 'v2-abc' })) };
    };
    const { code, stdout } = await runCli([...LOCAL, 'deploy', specFile()], { temporal, env });
    expect(code).toBe(1);
    expect(stdout).toMatch(/web: failed \(contract migration failed\); serving v2-abc\n$/);
  });

  it('another deployment of the service is running: exit 4, and it is left alone', async () => {
    const temporal = new FakeTemporal();
    const running = temporal.addRun('web');
    const { code, stderr } = await runCli([...LOCAL, 'deploy', specFile()], { temporal, env });
    expect(code).toBe(4);
    expect(stderr).toBe('sluice: a deployment of web is already running (workflow deploy/web): wait for it, or `sluice abort web`\n');
    expect(temporal.runs).toEqual([running]);
  });

  it('a plan the worker refused (a taken port) is exit 2: nothing was touched', async () => {
    const temporal = new FakeTemporal();
    temporal.onStart = (run) => {
      run.status = 'FAILED';
      run.outcome = {
        error: workflowFailed(FailureType.portTaken, 'traffic.listenPort: port 18080 is taken by service "api" on this router'),
      };
    };
    const { code, stderr } = await runCli([...LOCAL, 'deploy', specFile()], { temporal, env });
    expect(code).toBe(2);
    expect(stderr).toBe('sluice: refused, nothing was touched: traffic.listenPort: port 18080 is taken by service "api" on this router\n');
  });

  it('no worker plans it within --worker-timeout: exit 5 with the command that starts one; the deployment stays started', async () => {
    const temporal = new FakeTemporal();
    temporal.pollers = 0;
    temporal.onStart = () => undefined;
    const { code, stdout, stderr } = await runCli([...LOCAL, 'deploy', specFile(), '--worker-timeout', '1s'], { temporal, env });
    expect(code).toBe(5);
    expect(stdout).toContain('waiting for a worker: no sluice worker polls task queue sluice-deployments in namespace default');
    expect(stderr).toMatch(/^sluice: no worker picked up the deployment of web within 1s: .*The deployment stays started/);
    expect(temporal.runs[0]!.status).toBe('RUNNING');
  });

  it('refuses bad input before it starts anything: an invalid spec, a --worker-timeout that is not a duration', async () => {
    const temporal = new FakeTemporal();
    const invalid = await runCli([...LOCAL, 'deploy', specFile(specDocument({ strategy: { type: 'sideways' } }))], { temporal, env });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/has 1 problem:\n {2}strategy/);
    const timeout = await runCli([...LOCAL, 'deploy', specFile(), '--worker-timeout', 'soon'], { temporal, env });
    expect(timeout).toMatchObject({ code: 2, stderr: expect.stringMatching(/^sluice: --worker-timeout: "soon" is not a duration/) });
    expect(temporal.runs).toEqual([]);
  });
});

describe('sluice deploy: arguments', () => {
  it('a spec file; --image, --wait, --detach; a worker timeout of 30s unless told', async () => {
    expect(await parseVerb(registerDeploy, ['deploy', 'web.yaml'])).toEqual({ args: ['web.yaml'], options: { workerTimeout: '30s' } });
    expect(
      await parseVerb(registerDeploy, [
        'deploy',
        'web.yaml',
        '--image',
        'app:v2',
        '--wait',
        '--detach',
        '--worker-timeout',
        '2m',
        '--wait-for-worker',
      ]),
    ).toEqual({
      args: ['web.yaml'],
      options: { image: 'app:v2', wait: true, detach: true, workerTimeout: '2m', waitForWorker: true },
    });
    await expect(parseVerb(registerDeploy, ['deploy'])).rejects.toMatchObject({ code: 'commander.missingArgument' });
  });

  it('workerWait: the timeout as a limit, none with --wait-for-worker, a bad duration is exit 2', () => {
    expect(workerWait({ workerTimeout: '1m30s' })).toEqual({ limitMs: 90_000 });
    expect(workerWait({})).toEqual({ limitMs: 30_000 });
    expect(workerWait({ workerTimeout: 'nonsense', waitForWorker: true })).toEqual({});
    expect(() => workerWait({ workerTimeout: '30' })).toThrow(
      expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/^--worker-timeout: "30" is not a duration/) }),
    );
  });
});
