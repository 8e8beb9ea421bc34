import { describe, expect, it } from 'vitest';
import { awaitPlanned } from '../../../src/client/commands/wait';
import type { CliContext } from '../../../src/client/context';
import type { DeploymentHandle } from '../../../src/temporal/deployments';
import type { DeploymentStatus } from '../../../src/domain';

/** A deployment a worker has picked up and plans slowly (a long pull): status answers, the release is still unknown. */
function slowlyPlanned(answersBeforePlanned: number) {
  let answers = 0;
  const status = (targetRelease: string) => ({ targetRelease, notes: [] }) as unknown as DeploymentStatus;
  const client = {
    connection: { withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn() },
    workflowService: { describeTaskQueue: async () => ({ pollers: [{}] }) },
  };
  const context = { client: async () => client, settings: { namespace: 'default' }, taskQueue: 'q', out: { say: () => undefined } } as unknown as CliContext;
  const handle = {
    describe: async () => ({ status: { name: 'RUNNING' } }),
    query: async () => status(++answers > answersBeforePlanned ? 'v2-abc' : 'unknown'),
  } as unknown as DeploymentHandle;
  return { context, handle };
}

describe('awaitPlanned', () => {
  it('once a worker answers, waits for its plan however long planning takes (a large pull), past --worker-timeout', async () => {
    const { context, handle } = slowlyPlanned(8);
    const planned = await awaitPlanned(context, handle, 'web', { limitMs: 1 });
    expect(planned.status?.targetRelease).toBe('v2-abc');
  }, 30_000);
});
