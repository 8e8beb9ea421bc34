/**
 * An open-model HTTP load generator: requests are sent on schedule at a
 * constant rate whether or not earlier ones answered (a closed-model tool like
 * wrk or autocannon waits, and so hides outages behind fewer requests). It
 * mixes keep-alive and new connections, GET and POST, never retries, and
 * records every request (start, latency, outcome, the release that answered),
 * so a run is a timeline.
 *
 * Our own rather than autocannon: autocannon is closed-model (a fixed number of
 * connections each waiting for its answer) and reports aggregates, not the
 * per-request timeline the zero-downtime checks and abort-to-stable need.
 */
import http from 'node:http';

export type FailureKind = 'refused' | 'reset' | 'http5xx' | 'timeout' | 'other';

export interface RequestRecord {
  /** ms since the run started: when it was scheduled, and when it was actually sent. */
  scheduledAt: number;
  sentAt: number;
  latencyMs: number;
  method: 'GET' | 'POST';
  keepAlive: boolean;
  status?: number;
  failure?: FailureKind;
  error?: string;
  /** The release that answered (nginx's X-Sluice-Release, else the app's X-Release). */
  release?: string;
}

export interface LoadOptions {
  url: string;
  ratePerSecond: number;
  /** Fraction of requests on new connections (Connection: close); the rest reuse keep-alive connections. */
  newConnectionShare?: number;
  /** Fraction of POST requests (a small JSON body). */
  postShare?: number;
  timeoutMs?: number;
  /** A send this much later than scheduled counts as late (the generator could not keep up). */
  lateAfterMs?: number;
}

export interface LoadSummary {
  sent: number;
  succeeded: number;
  failed: number;
  failures: Record<FailureKind, number>;
  late: number;
  latency: { p50: number; p99: number; max: number };
  byRelease: Record<string, number>;
}

export interface LoadRun {
  readonly records: RequestRecord[];
  /** Wall-clock time (epoch ms) of the run's start: records' times are relative to it. */
  readonly startedAtEpochMs: number;
  /** Stops sending, waits for answers in flight, and summarizes. */
  stop(): Promise<LoadSummary>;
}

function classify(error: NodeJS.ErrnoException): FailureKind {
  if (error.code === 'ECONNREFUSED') return 'refused';
  if (error.code === 'ECONNRESET' || error.code === 'EPIPE' || error.message === 'socket hang up') return 'reset';
  if (error.code === 'ETIMEDOUT' || error.message === 'timeout') return 'timeout';
  return 'other';
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function summarize(records: RequestRecord[], lateAfterMs = 20): LoadSummary {
  const failures: Record<FailureKind, number> = { refused: 0, reset: 0, http5xx: 0, timeout: 0, other: 0 };
  const byRelease: Record<string, number> = {};
  for (const r of records) {
    if (r.failure) failures[r.failure]++;
    if (r.release) byRelease[r.release] = (byRelease[r.release] ?? 0) + 1;
  }
  const latencies = records
    .filter((r) => !r.failure)
    .map((r) => r.latencyMs)
    .sort((a, b) => a - b);
  const failed = Object.values(failures).reduce((a, b) => a + b, 0);
  return {
    sent: records.length,
    succeeded: records.length - failed,
    failed,
    failures,
    late: records.filter((r) => r.sentAt - r.scheduledAt > lateAfterMs).length,
    latency: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? 0 },
    byRelease,
  };
}

export function startLoad(options: LoadOptions): LoadRun {
  const url = new URL(options.url);
  const interval = 1000 / options.ratePerSecond;
  const keepAliveAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const records: RequestRecord[] = [];
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  const startedAtEpochMs = Date.now();
  let scheduled = 0;
  let stopped = false;
  const body = JSON.stringify({ hello: 'sluice', padding: 'x'.repeat(256) });

  const send = (index: number) => {
    const scheduledAt = index * interval;
    const sentAt = performance.now() - started;
    const keepAlive = ((index * 7919) % 1000) / 1000 >= (options.newConnectionShare ?? 0.2);
    const method: 'GET' | 'POST' = ((index * 104729) % 1000) / 1000 < (options.postShare ?? 0.3) ? 'POST' : 'GET';
    const record: RequestRecord = { scheduledAt, sentAt, latencyMs: 0, method, keepAlive };
    records.push(record);
    const done = new Promise<void>((resolve) => {
      const finish = (update: Partial<RequestRecord>) => {
        Object.assign(record, update, { latencyMs: performance.now() - started - sentAt });
        resolve();
      };
      const request = http.request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          method,
          agent: keepAlive ? keepAliveAgent : false,
          headers: {
            ...(keepAlive ? {} : { connection: 'close' }),
            ...(method === 'POST' ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
          },
          timeout: options.timeoutMs ?? 10_000,
        },
        (response) => {
          response.resume();
          response.on('end', () => {
            const status = response.statusCode ?? 0;
            const release =
              (response.headers['x-sluice-release'] as string | undefined) || (response.headers['x-release'] as string | undefined);
            finish({ status, ...(release ? { release } : {}), ...(status >= 500 ? { failure: 'http5xx' as const } : {}) });
          });
          response.on('error', (error: NodeJS.ErrnoException) => finish({ failure: classify(error), error: error.message }));
        },
      );
      request.on('timeout', () => request.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      request.on('error', (error: NodeJS.ErrnoException) =>
        finish({ failure: classify(error), error: `${error.code ?? ''} ${error.message}`.trim() }),
      );
      if (method === 'POST') request.write(body);
      request.end();
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };

  // A tight timer loop: every request whose time has come is sent, even if the loop itself ran late.
  const tick = () => {
    if (stopped) return;
    const due = Math.floor((performance.now() - started) / interval) + 1;
    while (scheduled < due) send(scheduled++);
    timer = setTimeout(tick, Math.max(1, Math.min(interval, 5)));
  };
  let timer = setTimeout(tick, 0);

  return {
    records,
    startedAtEpochMs,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      keepAliveAgent.destroy();
      return summarize(records, options.lateAfterMs);
    },
  };
}

/** Runs `body` under a load (from a second before it to a second after it) and returns the load's summary. */
export async function underLoad(options: LoadOptions, body: () => Promise<void>): Promise<LoadSummary> {
  const load = startLoad(options);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  try {
    await body();
  } finally {
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return load.stop();
}
