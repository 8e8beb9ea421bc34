import { describe, expect, it } from 'vitest';
import { createRoutingActivities } from '../../../src/activities/routing';
import { activityEnvironment, runActivity, runActivityIn } from '../../support/activity';
import { fakeSecrets, FakeRouter, FakeRuntime, replica } from '../../support/fake-ports';

describe('route', () => {
  it('a rollback routes to the stable replicas that run, leaving out one Docker is restarting', async () => {
    const runtime = new FakeRuntime([
      replica('v1', 0),
      replica('v1', 1, { state: 'restarting', address: undefined }),
      replica('v2', 0, { address: '127.0.0.1:30000' }),
    ]);
    const router = new FakeRouter();
    const { route } = createRoutingActivities({ runtime, router, secrets: fakeSecrets() });
    await runActivity(route, {
      service: 'web',
      routing: { peers: [{ release: 'v1', slots: [0, 1] }], weights: { v1: 100 } },
      drainTimeoutMs: 1000,
      onlyRunning: true,
    });
    expect(router.table).toEqual({ peers: [{ release: 'v1', slot: 0, address: '127.0.0.1:20000' }], weights: { v1: 100 } });
  });

  it('forward, a replica Docker is restarting is a retryable failure; a missing one is not', async () => {
    const { route } = createRoutingActivities({
      runtime: new FakeRuntime([replica('v1', 0), replica('v1', 1, { state: 'restarting', address: undefined })]),
      router: new FakeRouter(),
      secrets: fakeSecrets(),
    });
    const restarting = await runActivity(route, {
      service: 'web',
      routing: { peers: [{ release: 'v1', slots: [0, 1] }], weights: { v1: 100 } },
      drainTimeoutMs: 1000,
    }).catch((e: unknown) => e);
    expect(restarting).toMatchObject({
      type: 'ReplicaNotRunning',
      nonRetryable: false,
      message: expect.stringMatching(/sluice_web_v1_1 yet: it is restarting/),
    });
    const missing = await runActivity(route, {
      service: 'web',
      routing: { peers: [{ release: 'v1', slots: [0, 2] }], weights: { v1: 100 } },
      drainTimeoutMs: 1000,
    }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ type: 'ReplicaMissing', nonRetryable: true });
  });

  it('a rollback with no replica of the routing running yet waits (retryable) rather than routing to nothing', async () => {
    const { route } = createRoutingActivities({
      runtime: new FakeRuntime([replica('v1', 0, { state: 'restarting', address: undefined })]),
      router: new FakeRouter(),
      secrets: fakeSecrets(),
    });
    const error = await runActivity(route, {
      service: 'web',
      routing: { peers: [{ release: 'v1', slots: [0] }], weights: { v1: 100 } },
      drainTimeoutMs: 1000,
      onlyRunning: true,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'ReplicaNotRunning', nonRetryable: false });
  });

  it('a retry after the table was applied still drains the replicas it leaves out (read from what runs, not from the table before)', async () => {
    const runtime = new FakeRuntime([replica('v1', 0), replica('v1', 1), replica('v2', 0, { address: '127.0.0.1:30000' })]);
    // The first attempt applied the new table and the worker died before draining: the router already serves it.
    const applied = {
      peers: [
        { release: 'v1', slot: 1, address: '127.0.0.1:20001' },
        { release: 'v2', slot: 0, address: '127.0.0.1:30000' },
      ],
      weights: { v1: 50, v2: 50 },
    };
    const router = new FakeRouter(applied);
    const { route } = createRoutingActivities({ runtime, router, secrets: fakeSecrets() });
    await runActivity(route, {
      service: 'web',
      routing: {
        peers: [
          { release: 'v1', slots: [1] },
          { release: 'v2', slots: [0] },
        ],
        weights: { v1: 50, v2: 50 },
      },
      drainTimeoutMs: 1000,
    });
    expect(router.drained).toEqual([['127.0.0.1:20000']]);
  });
});

describe('prepareRouter', () => {
  it("resolves the preview header's secret value on the worker and hands it to the router, never echoing the reference", async () => {
    const router = new FakeRouter();
    const { prepareRouter } = createRoutingActivities({
      runtime: new FakeRuntime(),
      router,
      secrets: fakeSecrets({ PREVIEW_TOKEN: 's3cret' }),
    });
    await runActivity(prepareRouter, {
      service: 'web',
      settings: { listenPort: 8000, preview: { header: 'X-Preview', headerValueFrom: { fromEnv: 'PREVIEW_TOKEN' } } },
    });
    expect(router.prepared).toEqual({ listenPort: 8000, preview: { header: 'X-Preview', headerValue: 's3cret' } });
    const missing = createRoutingActivities({ runtime: new FakeRuntime(), router, secrets: fakeSecrets() }).prepareRouter;
    const error = await runActivity(missing, {
      service: 'web',
      settings: { listenPort: 8000, preview: { header: 'X-Preview', headerValueFrom: { fromEnv: 'PREVIEW_TOKEN' } } },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      type: 'SecretUnavailable',
      message: expect.stringMatching(/strategy\.preview\.headerValueFrom: the worker has no environment variable PREVIEW_TOKEN/),
    });
  });
});

describe('route: the table and the drain', () => {
  const v1v2 = {
    peers: [
      { release: 'v1', slots: [0] },
      { release: 'v2', slots: [0] },
    ],
    weights: { v1: 90, v2: 10 },
  };

  it('applies the whole table, addresses resolved from what runs, weights and preview as given', async () => {
    const runtime = new FakeRuntime([replica('v1', 0), replica('v2', 0, { address: '127.0.0.1:30000' })]);
    const router = new FakeRouter();
    const { route } = createRoutingActivities({ runtime, router, secrets: fakeSecrets() });
    expect(await runActivity(route, { service: 'web', routing: { ...v1v2, preview: 'v2' }, drainTimeoutMs: 1000 })).toEqual({
      drained: true,
      inFlight: 0,
    });
    expect(router.applied).toEqual([
      {
        peers: [
          { release: 'v1', slot: 0, address: '127.0.0.1:20000' },
          { release: 'v2', slot: 0, address: '127.0.0.1:30000' },
        ],
        weights: { v1: 90, v2: 10 },
        preview: 'v2',
      },
    ]);
    // Nothing left the table: nothing to drain.
    expect(router.drained).toEqual([]);
  });

  it('drains every address it leaves out: replicas that run and peers of the table before whose container is gone', async () => {
    const runtime = new FakeRuntime([replica('v1', 0), replica('v1', 1), replica('v2', 0, { address: '127.0.0.1:30000' })]);
    const before = {
      peers: [
        { release: 'v1', slot: 0, address: '127.0.0.1:20000' },
        { release: 'v1', slot: 9, address: '127.0.0.1:20009' },
      ],
      weights: { v1: 100 },
    };
    const router = new FakeRouter(before);
    const { route } = createRoutingActivities({ runtime, router, secrets: fakeSecrets() });
    await runActivity(route, {
      service: 'web',
      routing: { peers: [{ release: 'v2', slots: [0] }], weights: { v2: 100 } },
      drainTimeoutMs: 2500,
    });
    expect(router.drained).toEqual([['127.0.0.1:20000', '127.0.0.1:20009', '127.0.0.1:20001']]);
    expect(router.drainTimeouts).toEqual([2500]);
  });

  it('a drain that does not finish in time is reported (not thrown); it heartbeats the table applied, then its progress', async () => {
    const runtime = new FakeRuntime([replica('v1', 0), replica('v2', 0, { address: '127.0.0.1:30000' })]);
    const router = new FakeRouter();
    router.inFlightWhileDraining = [3, 1];
    router.drainResult = { drained: false, inFlight: 1 };
    const { route } = createRoutingActivities({ runtime, router, secrets: fakeSecrets() });
    const environment = activityEnvironment();
    const beats: unknown[] = [];
    environment.on('heartbeat', (details: unknown) => beats.push(details));
    const result = await runActivityIn(environment, route, {
      service: 'web',
      routing: { peers: [{ release: 'v2', slots: [0] }], weights: { v2: 100 } },
      drainTimeoutMs: 10,
    });
    expect(result).toEqual({ drained: false, inFlight: 1 });
    expect(beats).toEqual(['applied', { draining: ['127.0.0.1:20000'], inFlight: 3 }, { draining: ['127.0.0.1:20000'], inFlight: 1 }]);
  });

  it('onlyRunning leaves a replica that does not run yet out of the table, and drains it like any address left out', async () => {
    const runtime = new FakeRuntime([replica('v1', 0), replica('v1', 1, { state: 'created', address: '127.0.0.1:20001' })]);
    const router = new FakeRouter();
    const { route } = createRoutingActivities({ runtime, router, secrets: fakeSecrets() });
    await runActivity(route, {
      service: 'web',
      routing: { peers: [{ release: 'v1', slots: [0, 1] }], weights: { v1: 100 } },
      drainTimeoutMs: 1000,
      onlyRunning: true,
    });
    expect(router.table?.peers).toEqual([{ release: 'v1', slot: 0, address: '127.0.0.1:20000' }]);
    expect(router.drained).toEqual([['127.0.0.1:20001']]);
  });
});

describe('measureRelease', () => {
  it("asks the router for the release's requests since the moment given", async () => {
    const router = new FakeRouter();
    router.trafficAnswer = { requests: 120, errors: 3, p99Ms: 87 };
    const { measureRelease } = createRoutingActivities({ runtime: new FakeRuntime(), router, secrets: fakeSecrets() });
    expect(await runActivity(measureRelease, { service: 'web', release: 'v2', sinceMs: 1_700_000_000_000 })).toEqual({
      requests: 120,
      errors: 3,
      p99Ms: 87,
    });
    expect(router.trafficAsked).toEqual([{ service: 'web', release: 'v2', sinceMs: 1_700_000_000_000 }]);
  });
});

describe('prepareRouter without a preview', () => {
  it('hands the settings over as they are, extra listeners included, with no preview key', async () => {
    const router = new FakeRouter();
    const { prepareRouter } = createRoutingActivities({ runtime: new FakeRuntime(), router, secrets: fakeSecrets() });
    await runActivity(prepareRouter, { service: 'web', settings: { listenPort: 8000, extraListenPorts: [8001] } });
    expect(router.prepared).toEqual({ listenPort: 8000, extraListenPorts: [8001] });
  });

  it('a preview without a header value keeps its other fields', async () => {
    const router = new FakeRouter();
    const { prepareRouter } = createRoutingActivities({ runtime: new FakeRuntime(), router, secrets: fakeSecrets() });
    await runActivity(prepareRouter, { service: 'web', settings: { listenPort: 8000, preview: { listenPort: 8100 } } });
    expect(router.prepared).toEqual({ listenPort: 8000, preview: { listenPort: 8100 } });
  });
});
