import { describe, expect, it } from 'vitest';
import type { KnownHost } from '../../src/domain';
import { HOST_REGISTRY_WORKFLOW_TYPE, hostsQuery } from '../../src/shared/messages';
import { hostRegistryWorkflowId } from '../../src/shared/names';
import { introduceHost } from '../../src/worker/introduce';
import { FakeWorld } from './support/fake-world';
import { timeSkippingSuite } from './support/suite';

const suite = timeSkippingSuite();

const introduction = (name: string, identity: string, taskQueue: string): KnownHost => ({
  name,
  taskQueue: `${taskQueue}@${name}`,
  identity,
  sluiceVersion: '0.1.0',
  dockerVersion: '20.10.24',
  seenAt: '2026-11-27T19:00:00.000Z',
});

describe('the host registry', () => {
  it("starts with the first host's introduction, lists hosts by name, and keeps each host's newest introduction", async () => {
    await suite.harness().withWorker(new FakeWorld({ release: 'v1', slots: [] }), async (taskQueue) => {
      const client = suite.env().client;
      await introduceHost(client, taskQueue, introduction('web-2', '1@a', taskQueue));
      await introduceHost(client, taskQueue, introduction('web-1', '2@b', taskQueue));
      await introduceHost(client, taskQueue, introduction('web-2', '3@c', taskQueue));
      const hosts = await client.workflow.getHandle(hostRegistryWorkflowId(taskQueue)).query(hostsQuery);
      expect(hosts.map((host) => [host.name, host.identity])).toEqual([
        ['web-1', '2@b'],
        ['web-2', '3@c'],
      ]);
    });
  });

  it('starts from the hosts its previous run passed on (the input continue-as-new gives it)', async () => {
    await suite.harness().withWorker(new FakeWorld({ release: 'v1', slots: [] }), async (taskQueue) => {
      const client = suite.env().client;
      const handle = await client.workflow.start(HOST_REGISTRY_WORKFLOW_TYPE, {
        workflowId: hostRegistryWorkflowId(taskQueue),
        taskQueue,
        args: [{ hosts: [introduction('web-3', '4@d', taskQueue)] }],
      });
      await introduceHost(client, taskQueue, introduction('web-1', '5@e', taskQueue));
      expect((await handle.query(hostsQuery)).map((host) => host.name)).toEqual(['web-1', 'web-3']);
    });
  });
});
