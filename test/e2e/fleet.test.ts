import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot } from '../../src/stack/system';
import { fleetWorld, type FixtureVersion, type FleetWorld } from '../support/fleet';
import { stackValue } from '../support/stack';

/**
 * A fleet deployment on a test fleet of real hosts (each its own Docker Engine and nginx on its own
 * loopback address), each served by a `sluice worker` process started with SLUICE_HOST, under load
 * through HAProxy in front. host-2's worker has no registry credentials: it cannot pull v3.
 */
let fleet: FleetWorld;
let db: pg.Client;
/** Where the fleet's migrations record their effects (test/fixtures/migrations/chaos: one row per expand or contract applied). */
const schema = `fleet_mig_${process.pid}`;

/** Every host answers with `version`, and runs its image alone. */
async function expectEveryHostOn(version: FixtureVersion): Promise<void> {
  for (const host of fleet.hosts) {
    expect(await fleet.answers(host)).toContain(`hello from ${version}`);
    expect(await fleet.imagesOn(host)).toEqual([fleet.image(version)]);
  }
}

// Starting Docker Engines needs root, as the stack's own dockerd does; CI runs as root.
describe.skipIf(!isRoot())('a fleet deployment across real hosts', () => {
  beforeAll(async () => {
    db = new pg.Client({ connectionString: stackValue('DATABASE_URL') });
    await db.connect();
    await db.query(
      `drop schema if exists ${schema} cascade; create schema ${schema}; create table ${schema}.chaos_effects (phase text not null, at timestamptz not null default now())`,
    );
    const workerEnv = {
      FLEET_DB: `${stackValue('DATABASE_URL')}?options=-csearch_path%3D${schema}`,
      SLUICE_ENV_GRANTS: '*:FLEET_DB',
    };
    fleet = await fleetWorld('fleet', { withoutCredentials: ['host-2'], workerEnv });
  }, 300_000);

  afterAll(async () => {
    await fleet?.close();
    await db?.query(`drop schema if exists ${schema} cascade`);
    await db?.end();
  });

  it('deploys every host, then rolls a new release host by host under load through the front balancer: no request fails, each host serves it, the old release removed', async () => {
    const { service, hosts } = fleet;
    const plan = await fleet.sluice(['plan', fleet.spec('v1')]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(new RegExp(`^${service} on host-1: \\S+ \\(rolling\\)\n(.*\n)*${service} on host-2: \\S+ \\(rolling\\)\n`));
    const first = await fleet.sluice(['deploy', fleet.spec('v1'), '--wait']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    for (const host of hosts) expect(await fleet.answers(host)).toContain('hello from v1');

    let second = { code: -1 as number | null, stdout: '', stderr: '' };
    const load = await fleet.underLoad(async () => {
      second = await fleet.sluice(['deploy', fleet.spec('v2'), '--wait']);
    });
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(load).toMatchObject({ failed: 0 });
    expect(load.sent).toBeGreaterThan(100);
    // Both releases answered through the balancer while the hosts moved (release ids: v1-…, v2-…).
    expect(
      Object.keys(load.byRelease)
        .map((release) => release.split('-')[0])
        .sort(),
    ).toEqual(['v1', 'v2']);
    await expectEveryHostOn('v2');
    const status = JSON.parse((await fleet.sluice(['--json', 'status', service])).stdout) as {
      result: { outcome: string; hosts: unknown[] };
    };
    expect(status.result.outcome).toBe('released');
    expect(status.result.hosts).toMatchObject([
      { name: 'host-1', state: 'released', wave: 1 },
      { name: 'host-2', state: 'released', wave: 2 },
    ]);
    // `sluice hosts` shows the release the fleet left serving on each host.
    const known = JSON.parse((await fleet.sluice(['--json', 'hosts'])).stdout) as Array<{
      name: string;
      releases?: Record<string, string>;
    }>;
    const serving = (status.result as unknown as { targetRelease: string }).targetRelease;
    expect(known.map((host) => [host.name, host.releases?.[service]])).toEqual([
      ['host-1', serving],
      ['host-2', serving],
    ]);
  }, 300_000);

  it('a release the second host cannot run rolls back the first host too, under load with no failed request: every host serves the stable release again', async () => {
    let bad = { code: -1 as number | null, stdout: '', stderr: '' };
    const load = await fleet.underLoad(async () => {
      bad = await fleet.sluice(['deploy', fleet.spec('v3'), '--wait']);
    });
    expect(bad.code, bad.stdout + bad.stderr).toBe(1);
    expect(bad.stdout + bad.stderr).toMatch(/host-2 was refused: .*v3/);
    expect(load).toMatchObject({ failed: 0 });
    await expectEveryHostOn('v2');
    const history = JSON.parse((await fleet.sluice(['--json', 'history', fleet.service])).stdout) as Array<{ outcome: string }>;
    expect(history.map((row) => row.outcome)).toEqual(['rolledBack', 'released', 'released']);
  }, 300_000);

  /** A canary of v1 over v2 on both hosts, in lockstep, started under load; `decide` answers its gate. */
  async function lockstepCanary(decide: 'promote' | 'abort') {
    const spec = fleet.spec('v1', { strategy: { type: 'canary', steps: [{ setWeight: 50 }, { pause: {} }] } });
    let deploy = { code: -1 as number | null, stdout: '', stderr: '' };
    type Shown = {
      status?: { gate?: { kind: string }; hosts: Array<{ name: string; live?: { weights: Record<string, number>; healthy: string } }> };
    };
    let atGate: Shown['status'];
    let text = '';
    const load = await fleet.underLoad(async () => {
      const deploying = fleet.sluice(['deploy', spec, '--wait']).then((run) => (deploy = run));
      for (let i = 0; i < 600 && !atGate?.gate; i++) {
        atGate = (JSON.parse((await fleet.sluice(['--json', 'status', fleet.service])).stdout || '{}') as Shown).status;
        if (!atGate?.gate) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      text = (await fleet.sluice(['status', fleet.service])).stdout;
      const answer = await fleet.sluice(decide === 'promote' ? ['promote', fleet.service] : ['abort', fleet.service, '--reason', 'e2e']);
      expect(answer.code, answer.stdout + answer.stderr).toBe(0);
      await deploying;
    });
    return { deploy, load, atGate: atGate!, text };
  }

  it("a canary in lockstep under load: every host at 50% at the one gate (status shows each host's weights), aborted: every host back on v2, no failed request", async () => {
    const { deploy, load, atGate, text } = await lockstepCanary('abort');
    expect(atGate.gate?.kind).toBe('canaryPause');
    for (const host of atGate.hosts) {
      expect(Object.values(host.live?.weights ?? {})).toEqual([50, 50]);
      // Two stable replicas and one canary (50% of 2), all healthy.
      expect(host.live?.healthy).toBe('3/3');
    }
    expect(text).toMatch(/HOST +WAVE +STATE +RELEASE +WEIGHTS +HEALTHY +STEP/);
    expect(deploy.code, deploy.stdout + deploy.stderr).toBe(3);
    expect(load).toMatchObject({ failed: 0 });
    await expectEveryHostOn('v2');
  }, 300_000);

  it('a canary in lockstep under load, promoted once for the whole fleet: every host releases it, no failed request', async () => {
    const { deploy, load } = await lockstepCanary('promote');
    expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
    expect(load).toMatchObject({ failed: 0 });
    await expectEveryHostOn('v1');
  }, 300_000);

  it("runs a release's migrations once for the fleet, on one host's worker: expand before any host, contract once every host is ready", async () => {
    const migrations = { directory: 'test/fixtures/migrations/chaos', databaseUrlEnv: 'FLEET_DB', contract: 'auto' };
    const spec = fleet.spec('v2', { migrations });
    const plan = await fleet.sluice(['plan', spec]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).not.toMatch(/run expand migrations/);
    expect(plan.stdout).toMatch(/note: the fleet runs the migrations once/);
    const deploy = await fleet.sluice(['deploy', spec, '--wait']);
    expect(deploy.code, deploy.stdout + deploy.stderr).toBe(0);
    const effects = await db.query<{ phase: string }>(`select phase from ${schema}.chaos_effects order by at`);
    expect(effects.rows.map((row) => row.phase)).toEqual(['expand', 'contract']);
    await expectEveryHostOn('v2');
    const status = JSON.parse((await fleet.sluice(['--json', 'status', fleet.service])).stdout) as {
      result: { timeline: Array<{ phase: string }> };
    };
    const phases = status.result.timeline.map((span) => span.phase);
    expect(phases.indexOf('migrating')).toBeLessThan(phases.indexOf('shifting'));
    expect(phases.indexOf('contracting')).toBe(phases.indexOf('cleaningUp') - 1);
  }, 300_000);
});
