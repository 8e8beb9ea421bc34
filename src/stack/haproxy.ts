import fs from 'node:fs';
import path from 'node:path';
import { ensureCommands, portOpen, readPid, run, startDaemon, stopDaemon, waitUntil, which } from './system';

/**
 * The load balancer in front of a test fleet: HAProxy (Debian's package) on 127.0.0.1, spreading
 * requests over each host's listener and health-checking them, as a user's cloud load balancer
 * does. It never retries a request on another host, so a failure on a host is a failure counted.
 */
export interface FrontBalancer {
  /** Where clients send requests: 127.0.0.1:<port>. */
  url: string;
  stop(): Promise<void>;
}

export interface Backend {
  name: string;
  address: string;
  port: number;
}

export function renderHaproxyConfig(listenPort: number, backends: Backend[], healthPath = '/'): string {
  return [
    'global',
    '  maxconn 4096',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  option http-keep-alive',
    // A request that reached a host is never sent again elsewhere: failures stay visible.
    '  retries 0',
    'frontend front',
    `  bind 127.0.0.1:${listenPort}`,
    '  default_backend hosts',
    'backend hosts',
    '  balance roundrobin',
    '  option httpchk',
    // HTTP/1.1 with a Host header, as a cloud load balancer's check sends it.
    `  http-check send meth GET uri ${healthPath} ver HTTP/1.1 hdr Host front-balancer`,
    '  http-check expect status 200',
    // Every failed check in the log (the first place to look when a host is taken out).
    '  option log-health-checks',
    ...backends.map((b) => `  server ${b.name} ${b.address}:${b.port} check inter 500ms fall 2 rise 2`),
    '',
  ].join('\n');
}

/** Starts HAProxy in `dir` (its config, pid and log there), in front of `backends`, listening on 127.0.0.1:`listenPort`. */
export async function startFrontBalancer(dir: string, listenPort: number, backends: Backend[], healthPath = '/'): Promise<FrontBalancer> {
  ensureCommands({ haproxy: 'haproxy' }, 'is the front load balancer of a test fleet');
  fs.mkdirSync(dir, { recursive: true });
  const configFile = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(configFile, renderHaproxyConfig(listenPort, backends, healthPath));
  const haproxy = which('haproxy')!;
  const check = run(haproxy, ['-c', '-f', configFile]);
  if (check.status !== 0) throw new Error(`haproxy -c failed for ${configFile}: ${check.stderr.trim()}`);
  const files = { pidFile: path.join(dir, 'haproxy.pid'), logFile: path.join(dir, 'haproxy.log') };
  // -db: in the foreground (startDaemon detaches it and records its pid).
  startDaemon(haproxy, ['-db', '-f', configFile], files);
  await waitUntil(`haproxy to listen on 127.0.0.1:${listenPort}`, () => portOpen(listenPort), {
    timeoutMs: 10_000,
    logFile: files.logFile,
  });
  return {
    url: `http://127.0.0.1:${listenPort}`,
    async stop() {
      if (readPid(files.pidFile) !== undefined) await stopDaemon(files.pidFile, 'haproxy');
    },
  };
}
