/**
 * `npm run bench:bundle`: what every worker loads into its workflow isolate.
 *
 * Bundles src/workflows the way `npm run build` does (the bundle production
 * workers load) and reports its bytes, split into code and inline source map,
 * and the packages that weigh most. Then, unless `--no-worker`, builds dist/
 * and starts an idle worker process `--runs=3` times on the stack's Temporal
 * (load .sluice/stack.env first; each worker polls a task queue of its own),
 * waits until it polls, lets it idle for `--idle=30` seconds, reads its RSS
 * and reports the median.
 */
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode } from '@temporalio/worker';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { median, processMemory, type ProcessMemory } from './measures';
import { startWorkerProcess } from './worker-process';

const ROOT = path.resolve(__dirname, '..');

export interface BundleComposition {
  bytes: number;
  codeBytes: number;
  sourceMapBytes: number;
  modules: number;
  /** Per package (or project directory): bytes of module code, and bytes of its sources embedded in the source map. */
  packages: Array<{ name: string; modules: number; codeBytes: number; sourceBytes: number }>;
}

const MAP_MARKER = '//# sourceMappingURL=data:application/json;charset=utf-8;base64,';
const packageOf = (file: string) =>
  /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1] ?? /(?:^|\/)(src\/[^/]+)/.exec(file)?.[1] ?? 'webpack';

/** Splits a webpack development bundle (what the Temporal bundler emits) by module and by package. */
export function bundleComposition(code: string): BundleComposition {
  const bytes = Buffer.byteLength(code);
  const mapAt = code.lastIndexOf(MAP_MARKER);
  const body = mapAt >= 0 ? code.slice(0, mapAt) : code;
  const packages = new Map<string, { name: string; modules: number; codeBytes: number; sourceBytes: number }>();
  const entry = (name: string) => packages.get(name) ?? packages.set(name, { name, modules: 0, codeBytes: 0, sourceBytes: 0 }).get(name)!;
  const starts = [...body.matchAll(/\n\/\*\*\*\/ "([^"]+)"\n/g)];
  starts.forEach((match, i) => {
    const end = starts[i + 1]?.index ?? body.length;
    const p = entry(packageOf(match[1]!));
    p.modules += 1;
    p.codeBytes += Buffer.byteLength(body.slice(match.index, end));
  });
  if (mapAt >= 0) {
    const map = JSON.parse(Buffer.from(code.slice(mapAt + MAP_MARKER.length).trim(), 'base64').toString('utf8')) as {
      sources: string[];
      sourcesContent?: Array<string | null>;
    };
    map.sources.forEach((source, i) => (entry(packageOf(source)).sourceBytes += Buffer.byteLength(map.sourcesContent?.[i] ?? '')));
  }
  return {
    bytes,
    codeBytes: Buffer.byteLength(body),
    sourceMapBytes: bytes - Buffer.byteLength(body),
    modules: starts.length,
    packages: [...packages.values()].sort((a, b) => b.codeBytes + b.sourceBytes - (a.codeBytes + a.sourceBytes)),
  };
}

const quietLogger = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };

/** The plain bundle of `npm run build` (the encrypted-failures one adds only the failure converter). */
export async function buildWorkflowBundle(): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: path.join(ROOT, 'src', 'workflows', 'index.ts'), logger: quietLogger });
  return code;
}

async function pollsWithin(client: Client, taskQueue: string, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const { pollers } = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    if ((pollers?.length ?? 0) > 0) return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

/** An idle worker: started from dist/ (the prebuilt bundle), polling, left alone for `idleMs`. */
export async function idleWorkerMemory(client: Client, address: string, idleMs: number): Promise<ProcessMemory> {
  const worker = await startWorkerProcess({ temporalAddress: address, namespace: client.options.namespace });
  try {
    if (!(await pollsWithin(client, worker.env.SLUICE_TASK_QUEUE!, 60_000)))
      throw new Error(`the worker did not poll within 60 s:\n${worker.output()}`);
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    const pid = worker.pid();
    if (pid === undefined) throw new Error(`the worker exited:\n${worker.output()}`);
    return processMemory(pid);
  } finally {
    await worker.stop();
  }
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number) =>
    Number(args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
  const runs = option('runs', 3);
  const idleSeconds = option('idle', 30);

  const composition = bundleComposition(await buildWorkflowBundle());
  console.log(
    `workflow bundle: ${composition.bytes} bytes (${kb(composition.bytes)}): code ${composition.codeBytes}, inline source map ${composition.sourceMapBytes}; ${composition.modules} modules`,
  );
  console.log('package                    modules        code   sources in map');
  for (const p of composition.packages)
    console.log(
      `${p.name.padEnd(26)} ${String(p.modules).padStart(7)} ${String(p.codeBytes).padStart(11)} ${String(p.sourceBytes).padStart(16)}`,
    );
  if (args.includes('--no-worker')) return;

  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: load the stack environment (set -a; . .sluice/stack.env; set +a)');
  console.log('building dist/ (workers load the prebuilt bundle, as in production)');
  if (spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' }).status !== 0) throw new Error('npm run build failed');
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
  try {
    const samples: ProcessMemory[] = [];
    for (let run = 1; run <= runs; run++) {
      const memory = await idleWorkerMemory(client, address, idleSeconds * 1000);
      samples.push(memory);
      console.log(
        `idle worker ${run}/${runs} after ${idleSeconds} s: RSS ${memory.rssMb} MB (${memory.anonymousMb} MB anonymous, ${memory.fileBackedMb} MB file-backed), ${memory.threads} threads`,
      );
    }
    console.log(
      `idle worker RSS, median of ${runs}: ${median(samples.map((s) => s.rssMb))} MB (anonymous ${median(samples.map((s) => s.anonymousMb))} MB)`,
    );
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
