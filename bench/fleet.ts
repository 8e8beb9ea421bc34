/**
 * `npm run bench:fleet` (as root: it starts the test fleet's own Docker Engines, as `npm run
 * stack:up -- --hosts 3` does): fleet rolling deployments on 1, 2 and 3 hosts, one host at a time
 * and all at once, each under 200 requests/s through HAProxy in front of the hosts. Prints the
 * figures and writes the "Fleets" section of docs/benchmarks.md (kept when `npm run bench`
 * rewrites the page above it).
 *
 * The fleet world is the one the e2e and chaos tests use (test/support/fleet.ts): real hosts,
 * each its own dockerd, nginx and `sluice worker` process.
 */
import path from 'node:path';
import { fleetWorld, type FixtureVersion } from '../test/support/fleet';
import { getFresh } from '../test/support/stack';
import { underLoad, type LoadSummary } from './load/generator';
import { measuredOn, PAGE, writeSection } from './page';

const RATE = 200;

interface FleetRun {
  hosts: number;
  hostsAtOnce: string;
  waves: number;
  outcome: string;
  wallMs: number;
  load: LoadSummary;
}

/**
 * Waits until the front balancer sends traffic through: a host's listener that did not exist before
 * the first deployment needs two good health checks (rise 2, every 500 ms) before HAProxy takes it
 * back, and requests in that second would fail for want of a host, not because of sluice.
 */
export async function frontServesAll(url: string): Promise<void> {
  for (let good = 0, tries = 0; good < 20; tries++) {
    if (tries > 600) throw new Error(`the front balancer at ${url} never answered 20 requests in a row`);
    good = (await getFresh(`${url}/`).catch(() => ({ status: 0 }))).status === 200 ? good + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function measure(count: number): Promise<FleetRun[]> {
  const world = await fleetWorld(`bench-fleet-${count}`, { hosts: count });
  try {
    const first = await world.sluice(['deploy', world.spec('v1'), '--wait']);
    if (first.code !== 0) throw new Error(`the first deployment on ${count} hosts did not release:\n${first.stdout}${first.stderr}`);
    await frontServesAll(world.front.url);
    const runs: FleetRun[] = [];
    let version: FixtureVersion = 'v2';
    for (const hostsAtOnce of [1, '100%'] as const) {
      let outcome = '';
      let wallMs = 0;
      const spec = world.spec(version, { fleet: { hostsAtOnce } });
      const load = await underLoad(
        { url: `${world.front.url}/`, ratePerSecond: RATE, newConnectionShare: 0.3, postShare: 0.3 },
        async () => {
          const started = Date.now();
          const run = await world.sluice(['deploy', spec, '--wait']);
          wallMs = Date.now() - started;
          outcome = run.code === 0 ? 'released' : `exit ${run.code}: ${run.stdout.trim().split('\n').pop()}`;
        },
      );
      runs.push({ hosts: count, hostsAtOnce: String(hostsAtOnce), waves: hostsAtOnce === 1 ? count : 1, outcome, wallMs, load });
      console.log(
        `${count} host(s), hostsAtOnce ${hostsAtOnce}: ${outcome} in ${wallMs} ms; ${load.failed} of ${load.sent} requests failed`,
      );
      version = version === 'v2' ? 'v1' : 'v2';
    }
    return runs;
  } finally {
    await world.close();
  }
}

function section(runs: FleetRun[]): string {
  const rows = runs.map(
    (run) =>
      `| ${run.hosts} | ${run.hostsAtOnce} | ${run.waves} | ${run.outcome} | ${(run.wallMs / 1000).toFixed(1)} s | ${run.load.sent.toLocaleString('en-US')} | ${run.load.failed} | ${Math.round(run.load.latency.p50)} / ${Math.round(run.load.latency.p99)} / ${Math.round(run.load.latency.max)} ms |`,
  );
  return [
    '## Fleets',
    '',
    `Measured by \`npm run bench:fleet\` ${measuredOn()}.`,
    'A rolling fleet deployment (2 replicas per host, v1 and v2 in turn) on a test fleet of 1 to 3 hosts on this one machine, each host its own dockerd, nginx and worker process; HAProxy in front health-checks every host and sends it traffic, with no retries.',
    `Load: ${RATE} requests/s through HAProxy for the deployment (and a second either side), 30% new connections, 30% POST. Wall time: from the CLI's start to its exit (\`sluice deploy --wait\`).`,
    '',
    '| hosts | hostsAtOnce | waves | outcome | wall time | requests | failed | latency p50 / p99 / max |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    'Each run is one deployment, so requests number in the thousands; the fleet scenarios at 50,000 requests each are in the next section.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const runs: FleetRun[] = [];
  for (const count of [1, 2, 3]) runs.push(...(await measure(count)));
  writeSection('## Fleets', section(runs));
  console.log(`wrote the Fleets section of ${path.relative(process.cwd(), PAGE)}`);
}

if (require.main === module)
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
