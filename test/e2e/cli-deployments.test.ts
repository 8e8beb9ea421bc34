import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { underLoad as loadDuring, type LoadSummary } from '../../bench/load/generator';
import Docker from 'dockerode';
import { freePort, getFresh, removeServiceContainers, testServiceName } from '../support/stack';
import { cliEnvironment, type CliEnvironment } from './support/cli';

/** Deployments driven from the CLI, under steady load, with their exit codes and --json output. */
let cli: CliEnvironment;
let port: number;
const service = testServiceName('cli');

beforeAll(async () => {
  cli = await cliEnvironment();
  port = await freePort();
});
// The tests run in order on one service: a test that fails mid-deployment must not leave it running into the next one.
afterEach(async () => {
  if ((await status().catch(() => undefined))?.running)
    await cli.run(['abort', service, '--reason', 'e2e: the previous test failed', '--wait']);
});
afterAll(async () => {
  await cli?.stop();
  await removeServiceContainers(new Docker(), service);
});

function spec(image: string, strategy: Record<string, unknown>): string {
  return cli.writeSpec(`${service}-${image.replace(/\W/g, '-')}-${String(strategy.type)}`, {
    service,
    image,
    replicas: 3,
    port: 8080,
    health: { path: '/ready', interval: '200ms', startPeriod: '2s' },
    stopGracePeriod: '10s',
    strategy,
    traffic: { listenPort: port, drainTimeout: '10s' },
  });
}

/** The running deployment's status; a finished one (which shows its result instead) matches nothing. */
async function status(): Promise<{
  running: boolean;
  status: { phase: string; paused: boolean; gate?: { kind: string }; weights: Record<string, number> };
}> {
  const { code, signal, stdout, stderr } = await cli.run(['--json', 'status', service]);
  if (code !== 0) throw new Error(`status exited ${code ?? signal}: ${stderr}`);
  const shown = JSON.parse(stdout) as { running: boolean; status?: never; result?: { outcome: string } };
  return { running: shown.running, status: shown.status ?? { phase: shown.result!.outcome, paused: false, weights: {} } };
}

/** Polls status until it matches; a status call that fails is a poll that did not match (the last failure is reported). */
async function waitFor(predicate: (s: Awaited<ReturnType<typeof status>>) => boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await status().catch((error: Error) => error);
    if (!(current instanceof Error) && predicate(current)) return current;
    if (Date.now() > deadline)
      throw new Error(`status never matched: ${current instanceof Error ? current.message : JSON.stringify(current)}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** Runs `body` under a steady load (GET and POST, keep-alive and new connections) and returns the load's summary. */
function underLoad(body: () => Promise<void>): Promise<LoadSummary> {
  return loadDuring({ url: `http://127.0.0.1:${port}/`, ratePerSecond: 120, newConnectionShare: 0.3, postShare: 0.3 }, body);
}

async function servedBy(): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < 20; i++) seen.add((await getFresh(`http://127.0.0.1:${port}/`)).headers['x-release'] as string);
  return seen;
}

describe('deployments from the CLI', () => {
  it('a first deploy --wait --json exits 0 with the released result', async () => {
    const { code, stdout } = await cli.run(['--json', 'deploy', spec('sluice-fixture:v1', { type: 'rolling' }), '--wait']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ workflowId: `deploy/${service}`, result: { outcome: 'released' } });
    expect(await servedBy()).toEqual(new Set(['v1']));
  });

  it('rolling: deploy --wait under load exits 0 with zero failed requests, printing one line per event', async () => {
    let run = { code: -1 as number | null, stdout: '', stderr: '' };
    const summary = await underLoad(async () => {
      run = await cli.run(['deploy', spec('sluice-fixture:v2', { type: 'rolling' }), '--wait']);
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\[\s+\d+s\] .* starting step \d+\/\d+: start 1 replica of v2-/m);
    expect(run.stdout).toMatch(/released; serving v2-/);
    expect(summary.failed).toBe(0);
    expect(summary.sent).toBeGreaterThan(300);
    expect(await servedBy()).toEqual(new Set(['v2']));
  });

  it('blue-green: a gate answered from another terminal; a second deploy exits 4; pause and resume; zero failed requests', async () => {
    let deployRun: Promise<{ code: number | null; stdout: string; stderr: string }> | undefined;
    const summary = await underLoad(async () => {
      deployRun = cli.spawn(['deploy', spec('sluice-fixture:v3', { type: 'blueGreen', scaleDownDelay: '1s' }), '--wait']).done;
      const atGate = await waitFor((s) => s.status.gate?.kind === 'promotion');
      expect(Object.values(atGate.status.weights)).toEqual([100]);
      const second = await cli.run(['deploy', spec('sluice-fixture:v1', { type: 'rolling' })]);
      expect(second.code).toBe(4);
      expect(second.stderr).toMatch(/a deployment of .+ is already running/);
      expect((await cli.run(['pause', service, '--reason', 'e2e'])).code).toBe(0);
      expect((await status()).status.paused).toBe(true);
      expect((await cli.run(['resume', service])).code).toBe(0);
      const promote = await cli.run(['promote', service, '--reason', 'preview checked']);
      expect(promote.code).toBe(0);
      expect(promote.stdout).toMatch(/^accepted: promoted past the promotion gate/);
      expect((await deployRun).code).toBe(0);
    });
    expect(summary.failed).toBe(0);
    expect(await servedBy()).toEqual(new Set(['v3']));
  });

  it('canary: promoted through its gate under load, zero failed requests', async () => {
    const summary = await underLoad(async () => {
      const deployRun = cli.spawn([
        'deploy',
        spec('sluice-fixture:v1', {
          type: 'canary',
          steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 60 }, { pause: { duration: '2s' } }],
        }),
        '--wait',
      ]).done;
      await waitFor((s) => s.status.gate?.kind === 'canaryPause');
      const answer = await cli.run(['--json', 'promote', service]);
      expect(answer.code).toBe(0);
      expect(JSON.parse(answer.stdout)).toMatchObject({ accepted: true, gate: 'canaryPause' });
      expect((await deployRun).code).toBe(0);
    });
    expect(summary.failed).toBe(0);
    expect(await servedBy()).toEqual(new Set(['v1']));
  });

  it('promote is rejected while no gate waits; abort --wait then rolls back and exits 3, with traffic on the stable release', async () => {
    const before = await servedBy();
    // A release that never turns healthy keeps the deployment in its health wait (no gate).
    const stuck = cli.writeSpec(`${service}-stuck`, {
      service,
      image: 'sluice-fixture:bad',
      replicas: 3,
      port: 8080,
      health: { path: '/ready', interval: '500ms', startPeriod: '0s', unhealthyThreshold: 100 },
      strategy: { type: 'canary', steps: [{ setWeight: 50 }, { pause: {} }] },
      traffic: { listenPort: port },
    });
    const deployRun = cli.spawn(['deploy', stuck, '--wait']).done;
    await waitFor((s) => s.status.phase === 'starting');
    const rejected = await cli.run(['promote', service]);
    expect(rejected.code).toBe(2);
    expect(rejected.stderr).toMatch(/rejected: no gate is waiting \(phase starting/);
    const aborted = await cli.run(['abort', service, '--reason', 'e2e abort', '--wait']);
    expect(aborted.code).toBe(3);
    expect(aborted.stdout).toMatch(/aborted \(aborted by e2e: e2e abort\)/);
    expect((await deployRun).code).toBe(3);
    expect(await servedBy()).toEqual(before);
    expect((await cli.run(['promote', service])).stderr).toMatch(/no deployment of .+ is running/);
  });

  it('rollback --wait deploys the previously released image again', async () => {
    const before = await servedBy();
    const { code, stdout } = await cli.run(['rollback', service, '--wait']);
    expect(code).toBe(0);
    // The content that served before, pinned (these fixture images were built on the host: their image id).
    expect(stdout).toMatch(/rolling .* back from sluice-fixture:\S+ to sluice-fixture:\S+ as sha256:[0-9a-f]{64} /);
    expect(await servedBy()).not.toEqual(before);
  });

  it('history --json lists the deployments with their outcomes and who decided', async () => {
    const { code, stdout } = await cli.run(['--json', 'history', service, '--limit', '20']);
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as Array<{ outcome: string; requestedBy: string; decisions: string[] }>;
    expect(rows.length).toBeGreaterThanOrEqual(6);
    expect(rows.map((r) => r.outcome)).toContain('released');
    expect(rows.flatMap((r) => r.decisions)).toContain('promote by e2e');
    expect(rows.every((r) => r.requestedBy.startsWith('e2e'))).toBe(true);
  });
});
