/**
 * `npm run bench`: every scenario against the real stack, a fresh worker
 * process per scenario (so its peak RSS is its own), results to
 * bench/results/<date>.json and docs/benchmarks.md.
 * `npm run bench -- --quick`: a few minutes, no scale runs, no docs rewrite
 * (CI runs it as a test that asserts zero failed requests).
 */
import { Client, Connection } from '@temporalio/client';
import Docker from 'dockerode';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stackUp } from '../src/stack';
import { stackSettings } from '../src/stack/settings';
import { peakRssMb, processMemory, type ProcessMemory } from './measures';
import { renderReport, withKeptSections } from './report';
import { concurrentDeployments, longCanary, type ConcurrentFigures, type LongCanaryFigures } from './scale';
import { BASELINE, PROFILES, SCENARIOS, type BenchContext, type Profile, type ScenarioFigures } from './scenarios';
import { freePort, startWorkerProcess, type WorkerProcess } from './worker-process';

const ROOT = path.resolve(__dirname, '..');
/** Long enough for a fresh worker to load its workflow bundle and start polling. */
const IDLE_WORKER_SETTLE_MS = 15_000;

export interface BenchResults {
  profile: Profile;
  date: string;
  command: string;
  machine: Record<string, string>;
  versions: Record<string, string>;
  scenarios: Array<ScenarioFigures & { workerPeakRssMb?: number }>;
  scale?: {
    /** A worker connected and polling, before any deployment: what every figure of worker memory starts from. */
    idleWorker: ProcessMemory;
    concurrent: ConcurrentFigures & { workerPeakRssMb: number; workerAfter: ProcessMemory };
    longCanary: LongCanaryFigures;
  };
}

function firstLine(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n')[0] ?? 'unknown';
}

async function describeMachine(
  docker: Docker,
  stack: Record<string, string>,
): Promise<{ machine: Record<string, string>; versions: Record<string, string> }> {
  const distro = /PRETTY_NAME="([^"]+)"/.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'unknown';
  return {
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: String(os.cpus().length),
      memory: `${Math.round(os.totalmem() / 1024 ** 3)} GiB`,
      os: `${distro}, kernel ${os.release()}`,
    },
    versions: {
      sluice: firstLine('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']),
      node: process.version,
      temporal: firstLine(stack.TEMPORAL_CLI!, ['--version']),
      docker: `Docker Engine ${(await docker.version()).Version}`,
      nginx: firstLine(stack.SLUICE_NGINX_BIN!, ['-v']).replace('nginx version: ', ''),
    },
  };
}

export async function runBench(options: {
  profile: Profile;
  only?: string[];
  writeDocs: boolean;
  log?: (line: string) => void;
}): Promise<BenchResults> {
  const log = options.log ?? ((line: string) => console.log(line));
  const stack = await stackUp(stackSettings(process.env, ROOT));
  if (options.profile.name === 'full') {
    log('bench: building (the workers run the compiled CLI with the prebuilt workflow bundle)');
    if (spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' }).status !== 0) throw new Error('npm run build failed');
  }
  const docker = new Docker();
  const connection = await Connection.connect({ address: stack.TEMPORAL_ADDRESS! });
  const client = new Client({ connection, namespace: stack.TEMPORAL_NAMESPACE! });
  const results: BenchResults = {
    profile: options.profile,
    date: new Date().toISOString(),
    command: options.profile.name === 'quick' ? 'npm run bench -- --quick' : 'npm run bench',
    ...(await describeMachine(docker, stack)),
    scenarios: [],
  };

  const withWorker = async <T>(service: string, body: (context: BenchContext, worker: WorkerProcess) => Promise<T>): Promise<T> => {
    const worker = await startWorkerProcess({ temporalAddress: stack.TEMPORAL_ADDRESS!, namespace: stack.TEMPORAL_NAMESPACE! });
    try {
      const context: BenchContext = {
        client,
        taskQueue: worker.env.SLUICE_TASK_QUEUE!,
        docker,
        profile: options.profile,
        port: await freePort(),
        service,
      };
      return await body(context, worker);
    } finally {
      await worker.stop();
      const leftovers = await docker.listContainers({ all: true, filters: { label: ['dev.sluice.managed-by=sluice'] } });
      await Promise.all(
        leftovers
          .filter((c) => (c.Labels['dev.sluice.service'] ?? '').startsWith(service))
          .map((c) => docker.getContainer(c.Id).remove({ force: true })),
      );
    }
  };

  try {
    for (const scenario of [BASELINE, ...SCENARIOS]) {
      if (options.only && !options.only.some((name) => scenario.name.startsWith(name))) continue;
      log(`bench: ${scenario.name} (${options.profile.loadSeconds}s at ${options.profile.ratePerSecond} requests/s)`);
      const slug = `bench-${scenario.name.replace(/[^a-z0-9]+/g, '-').replace(/-+$/, '')}`.slice(0, 30).replace(/-+$/, '');
      const figures = await withWorker(slug, async (context, worker) => {
        // The worker needs a moment to poll; the first deployment waits for it anyway.
        const result = await scenario.run(context);
        const pid = worker.pid();
        return { ...result, ...(scenario.sluice && pid ? { workerPeakRssMb: peakRssMb(pid) } : {}) };
      });
      results.scenarios.push(figures);
      log(
        `bench:   ${figures.load.sent} requests, ${figures.load.failed} failed, ${figures.deployments.length} deployment(s): ${[...new Set(figures.deployments.map((d) => d.outcome))].join(', ')}`,
      );
    }
    if (options.profile.name === 'full' && !options.only) {
      log('bench: scale, an idle worker');
      const idleWorker = await withWorker('bench-idle', async (_context, worker) => {
        await new Promise((resolve) => setTimeout(resolve, IDLE_WORKER_SETTLE_MS));
        return processMemory(worker.pid()!);
      });
      log('bench: scale, 20 deployments at once on one worker');
      const concurrent = await withWorker('bench-many', async (context, worker) => ({
        ...(await concurrentDeployments(context, 20, 2)),
        workerPeakRssMb: peakRssMb(worker.pid()!),
        workerAfter: processMemory(worker.pid()!),
      }));
      log('bench: scale, a 10-step canary over 20 replicas');
      const canary = await withWorker('bench-long-canary', (context) => longCanary(context, 20));
      results.scale = { idleWorker, concurrent, longCanary: canary };
    }
  } finally {
    await connection.close();
  }

  const file = path.join(ROOT, 'bench', 'results', `${results.date.slice(0, 10)}${options.profile.name === 'quick' ? '-quick' : ''}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  log(`bench: results in ${path.relative(ROOT, file)}`);
  if (options.writeDocs) {
    const page = path.join(ROOT, 'docs', 'benchmarks.md');
    const previous = fs.existsSync(page) ? fs.readFileSync(page, 'utf8') : undefined;
    fs.writeFileSync(page, withKeptSections(renderReport(results, path.relative(ROOT, file)), previous));
    log('bench: docs/benchmarks.md regenerated');
  }
  return results;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const only = args
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  runBench({ profile: PROFILES[quick ? 'quick' : 'full'], writeDocs: !quick && !only, ...(only ? { only } : {}) }).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
