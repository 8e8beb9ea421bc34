import { describe, expect, it } from 'vitest';
import { createObserveActivities, groupSlots, observe, routingFromTable } from '../../../src/activities/observe';
import { runActivity } from '../../support/activity';
import { FakeRouter, FakeRuntime, replica } from '../../support/fake-ports';

describe('groupSlots', () => {
  it('groups by release in the order releases first appear, slots sorted', () => {
    expect(
      groupSlots([
        { release: 'v2', slot: 2 },
        { release: 'v1', slot: 1 },
        { release: 'v2', slot: 0 },
        { release: 'v1', slot: 0 },
      ]),
    ).toEqual([
      { release: 'v2', slots: [0, 2] },
      { release: 'v1', slots: [0, 1] },
    ]);
    expect(groupSlots([])).toEqual([]);
  });
});

describe('routingFromTable', () => {
  it("turns the router's peers back into release groups, keeping weights and the preview", () => {
    const table = {
      peers: [
        { release: 'v1', slot: 1, address: 'a:1' },
        { release: 'v1', slot: 0, address: 'a:0' },
      ],
      weights: { v1: 100 },
      preview: 'v2',
    };
    expect(routingFromTable(table)).toEqual({ peers: [{ release: 'v1', slots: [0, 1] }], weights: { v1: 100 }, preview: 'v2' });
    expect(routingFromTable({ peers: [], weights: {} })).toEqual({ peers: [], weights: {} });
  });
});

describe('observe', () => {
  it("running replicas by release (with image and the oldest creation time), stopped ones apart, and the router's table", async () => {
    const runtime = new FakeRuntime([
      replica('v1', 1, { createdAt: 2000 }),
      replica('v1', 0, { createdAt: 1000 }),
      replica('v2', 0, { image: 'app:v2' }),
      replica('v2', 1, { state: 'exited', address: undefined, createdAt: 5000 }),
      replica('v0', 0, { state: 'restarting', address: undefined }),
    ]);
    const router = new FakeRouter({ peers: [{ release: 'v1', slot: 0, address: '127.0.0.1:20000' }], weights: { v1: 100 } });
    expect(await observe({ runtime, router }, 'web')).toEqual({
      releases: [
        { release: 'v1', slots: [0, 1], createdAt: 1000, image: 'app:v1' },
        { release: 'v2', slots: [0], image: 'app:v2' },
      ],
      stopped: [
        { release: 'v2', slots: [1], createdAt: 5000 },
        { release: 'v0', slots: [0] },
      ],
      routing: { peers: [{ release: 'v1', slots: [0] }], weights: { v1: 100 } },
    });
  });

  it('no routing key when the router has never seen the service; the activity wraps the same', async () => {
    const deps = { runtime: new FakeRuntime([]), router: new FakeRouter() };
    expect(await observe(deps, 'web')).toEqual({ releases: [], stopped: [] });
    expect(await runActivity(createObserveActivities(deps).observeService, { service: 'web' })).toEqual({ releases: [], stopped: [] });
  });
});
