import { describe, expect, it } from 'vitest';
import { awaitPlanned, waitForOutcome } from '../../../../src/client/commands/wait';
import type { CliContext } from '../../../../src/client/context';
import type { DeploymentHandle } from '../../../../src/temporal/deployments';
import type { DeploymentStatus } from '../../../../src/domain';
import { deployResult, FakeTemporal } from '../../../support/fake-temporal';

/** A deployment a worker has picked up and plans slowly (a long pull): status answers, the release is still unknown. */
function slowlyPlanned(answersBeforePlanned: number) {
  let answers = 0;
  const status = (targetRelease: string) => ({ targetRelease, notes: [] }) as unknown as DeploymentStatus;
  const client = {
    connection: { withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn() },
    workflowService: { describeTaskQueue: async () => ({ pollers: [{}] }) },
  };
  const context = {
    client: async () => client,
    settings: { namespace: 'default' },
    taskQueue: 'q',
    out: { say: () => undefined },
  } as unknown as CliContext;
  const handle = {
    describe: async () => ({ status: { name: 'RUNNING' } }),
    query: async () => status(++answers > answersBeforePlanned ? 'v2-abc' : 'unknown'),
  } as unknown as DeploymentHandle;
  return { context, handle };
}

/** A context on a FakeTemporal that records what the verb says. */
function contextOn(temporal: FakeTemporal, json = true) {
  const said: string[] = [];
  const context = {
    client: async () => temporal.client,
    settings: { namespace: 'default' },
    taskQueue: 'q',
    out: { json, say: (line: string) => said.push(line) },
  } as unknown as CliContext;
  return {
    context,
    said,
    handle: (runId?: string) => temporal.client.workflow.getHandle('deploy/web', runId) as unknown as DeploymentHandle,
  };
}

describe('awaitPlanned', () => {
  it('once a worker answers, waits for its plan however long planning takes (a large pull), past --worker-timeout', async () => {
    const { context, handle } = slowlyPlanned(8);
    const planned = await awaitPlanned(context, handle, 'web', { limitMs: 1 });
    expect(planned.status?.targetRelease).toBe('v2-abc');
  }, 30_000);

  it('a deployment that already ended returns its result, without querying', async () => {
    const temporal = new FakeTemporal();
    const run = temporal.addRun('web', { status: 'COMPLETED', outcome: { result: deployResult() } });
    const { context, handle } = contextOn(temporal);
    expect(await awaitPlanned(context, handle(), 'web', {})).toEqual({ result: deployResult() });
    expect(run.queries).toBe(0);
  });

  it('a worker that answers in payloads this CLI cannot decrypt runs the deployment: no status, no wait', async () => {
    const temporal = new FakeTemporal();
    temporal.addRun('web', {
      answer: () => {
        throw new Error('Unknown encoding: binary/encrypted');
      },
    });
    const { context, said, handle } = contextOn(temporal);
    expect(await awaitPlanned(context, handle(), 'web', { limitMs: 60_000 })).toEqual({});
    expect(said).toEqual([]);
  });
});

describe('waitForOutcome', () => {
  it('Ctrl-C detaches: it resolves without a result and says the deployment goes on; the listener is removed', async () => {
    const temporal = new FakeTemporal();
    temporal.addRun('web');
    const { context, said, handle } = contextOn(temporal);
    const before = process.listeners('SIGINT');
    const waiting = waitForOutcome(context, handle(), 'web');
    const added = process.listeners('SIGINT').filter((listener) => !before.includes(listener));
    expect(added).toHaveLength(1);
    (added[0] as () => void)();
    expect(await waiting).toBeUndefined();
    expect(said.join('')).toMatch(/detached: the deployment of web goes on; .*`sluice abort web`/);
    expect(process.listeners('SIGINT')).toEqual(before);
  });

  it('resolves with the result once the deployment ends', async () => {
    const temporal = new FakeTemporal();
    temporal.addRun('web', { outcome: { result: deployResult({ outcome: 'released' }) } });
    const { context, handle } = contextOn(temporal);
    expect(await waitForOutcome(context, handle(), 'web')).toMatchObject({ outcome: 'released' });
  });
});
