import { describe, expect, it } from 'vitest';
import type { DeployResult } from '../../../src/shared/messages';
import { findOrphans, removeOrphans, stateFrom, type DeploymentState } from '../../../src/worker/reconcile';
import { FakeRouter, FakeRuntime, replica } from '../../support/fake-ports';

const routedV2 = { peers: [{ release: 'v2', slot: 0, address: '127.0.0.1:20000' }], weights: { v2: 100 } };

function deps(state: DeploymentState | undefined) {
  const runtime = new FakeRuntime([
    replica('v2', 0),
    replica('v1', 0, { state: 'exited', address: undefined }),
    replica('ghost', 0, { state: 'exited', address: undefined }),
  ]);
  return { runtime, router: new FakeRouter(routedV2), deployments: async () => state, services: async () => ['web'] };
}

describe('findOrphans', () => {
  it("keeps the stopped old replicas a failed deployment's report names (left for a person), and still finds the rest", async () => {
    const orphans = await findOrphans(deps({ running: false, held: ['v1', 'v2'] }));
    expect(orphans.map((o) => o.name)).toEqual(['sluice_web_ghost_0']);
  });

  it('after a deployment that ended any other way, every container the router does not send traffic to is an orphan', async () => {
    const orphans = await findOrphans(deps({ running: false, held: [] }));
    expect(orphans.map((o) => o.name).sort()).toEqual(['sluice_web_ghost_0', 'sluice_web_v1_0']);
  });

  it('judges nothing of a service whose deployment runs, or whose state it cannot read (encrypted with a key it lacks)', async () => {
    expect(await findOrphans(deps({ running: true, held: [] }))).toEqual([]);
    expect(await findOrphans(deps(undefined))).toEqual([]);
  });
});

describe('removeOrphans', () => {
  it("removes only the orphans a worker of this host provably made; a container that merely carries sluice's labels is kept", async () => {
    const world = deps({ running: false, held: [] });
    world.runtime.notMadeBySluice.add('sluice_web_ghost_0');
    const { removed, kept } = await removeOrphans(world.runtime, await findOrphans(world));
    expect(removed.map((o) => o.name)).toEqual(['sluice_web_v1_0']);
    expect(kept.map((o) => o.name)).toEqual(['sluice_web_ghost_0']);
    expect(world.runtime.removed).toEqual(['sluice_web_v1_0']);
  });
});

describe('stateFrom', () => {
  const ended = (outcome: DeployResult['outcome']) => async () =>
    ({
      outcome,
      service: 'web',
      targetRelease: 'v2',
      stableRelease: 'v1',
      timeline: [],
      decisions: [],
      compensationFailures: [],
    }) as DeployResult;
  const refused = async () => undefined;

  it('holds the releases of a failed deployment even after later deployments that were refused before touching anything', async () => {
    expect(await stateFrom(false, [refused, refused, ended('failed'), ended('released')])).toEqual({ running: false, held: ['v1', 'v2'] });
  });

  it('holds nothing once a later deployment released or rolled back, and reads no further than it needs', async () => {
    let readOlder = false;
    expect(await stateFrom(false, [ended('rolledBack'), async () => ((readOlder = true), undefined)])).toEqual({
      running: false,
      held: [],
    });
    expect(readOlder).toBe(false);
    expect(await stateFrom(true, [ended('failed')])).toEqual({ running: true, held: [] });
  });
});
