/**
 * TrafficRouter on nginx with sluice's Lua balancer.
 *
 * Static config (listener, upstream, preview route) changes rarely and goes
 * through the safe path: files written atomically, `nginx -t` on the whole
 * configuration, restored on failure (nginx never reloads a bad config), reload,
 * then confirmation that the new config serves. Routing (replicas, weights,
 * preview release) changes often and never reloads: it is sent to the loopback
 * admin endpoint, mirrored to a state file for nginx restarts, and read back.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { PortClaims } from '../../../domain';
import { readRegularFileIfAny, writeFileAtomically } from '../../../files/safe-files';
import { FailureType } from '../../../shared/errors';
import { failure } from '../../failures';
import { pollUntil } from '../../../timing/waits';
import { secretFile } from '../secret-file';
import type { ReleaseTraffic, RouterServiceSettings, RoutingTable, TrafficRouter } from '../../ports';
import type { NginxControl } from './control';
import {
  ADMIN_TOKEN_FILE,
  coreConfigName,
  portsOf,
  renderAdminLocation,
  renderCoreConfig,
  renderServiceConfig,
  serviceConfigName,
  serviceOfConfigName,
  sluiceDir,
  type RouterLayout,
} from './render';
import { decodeRoutes, encodeRoutes, sameTable } from './routes-text';

export interface NginxRouterOptions extends RouterLayout {
  control: NginxControl;
  /** confDir as nginx sees it, when nginx runs in a container that mounts the directory elsewhere. */
  nginxConfDir?: string;
  /** How long nginx may take to serve a reloaded config before prepare fails (and is retried). */
  reloadConfirmMs?: number;
}

const LUA_MODULE = 'sluice_router.lua';

export class NginxRouter implements TrafficRouter {
  private readonly adminUrl: string;
  private readonly dir: string;

  constructor(private readonly options: NginxRouterOptions) {
    this.adminUrl = `http://127.0.0.1:${options.adminPort}`;
    this.dir = sluiceDir(options);
  }

  /** The admin endpoint's token: made with the router's files, read by nginx when it loads the core config. */
  private token(): string {
    return secretFile(path.join(this.dir, ADMIN_TOKEN_FILE));
  }

  private async admin(
    method: 'GET' | 'PUT',
    pathname: string,
    body?: string,
    signal?: AbortSignal,
  ): Promise<{ status: number; text: string }> {
    try {
      const headers = { 'x-sluice-token': this.token() };
      const response = await fetch(`${this.adminUrl}${pathname}`, {
        method,
        body,
        headers,
        signal: AbortSignal.any([AbortSignal.timeout(5000), ...(signal ? [signal] : [])]),
      });
      return { status: response.status, text: await response.text() };
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new Error(
        `nginx's sluice admin endpoint ${this.adminUrl} does not answer (${(error as Error).message}): is nginx running with ${coreConfigName} included?`,
        { cause: error },
      );
    }
  }

  // ------------------------------------------------------------ static config

  private files(service: string, settings: RouterServiceSettings): Array<{ file: string; content: string }> {
    const asNginxSees = { ...this.options, confDir: this.options.nginxConfDir ?? this.options.confDir };
    const serviceConfig = renderServiceConfig(asNginxSees, service, settings);
    const hash = crypto.createHash('sha256').update(serviceConfig).digest('hex').slice(0, 16);
    return [
      { file: path.join(this.dir, LUA_MODULE), content: fs.readFileSync(path.join(__dirname, LUA_MODULE), 'utf8') },
      { file: path.join(this.options.confDir, coreConfigName), content: renderCoreConfig(asNginxSees) },
      { file: path.join(this.options.confDir, serviceConfigName(service)), content: serviceConfig },
      { file: path.join(this.dir, 'admin.d', `${service}.conf`), content: renderAdminLocation(service, hash) },
    ];
  }

  private async servedConfigHash(service: string): Promise<string | undefined> {
    const response = await this.admin('GET', `/sluice/config/${service}`).catch(() => undefined);
    return response?.status === 200 ? response.text.trim() : undefined;
  }

  /** Every service's ports, from the configs sluice wrote (their `# sluice-ports` line), and the admin port. */
  async claims(): Promise<PortClaims> {
    const services: PortClaims['services'] = {};
    for (const file of fs.existsSync(this.options.confDir) ? fs.readdirSync(this.options.confDir) : []) {
      const service = serviceOfConfigName(file);
      const ports = service && portsOf(readRegularFileIfAny(path.join(this.options.confDir, file)) ?? '');
      if (service && ports) services[service] = ports;
    }
    return { services, router: [this.options.adminPort] };
  }

  /** The plan checked the ports; checked again here, right before the files change, for a deployment of another service planned meanwhile. */
  private async refuseTakenPorts(service: string, settings: RouterServiceSettings): Promise<void> {
    const { services, router } = await this.claims();
    const wanted = [
      settings.listenPort,
      ...(settings.extraListenPorts ?? []),
      ...(settings.preview?.listenPort !== undefined ? [settings.preview.listenPort] : []),
    ];
    for (const port of wanted) {
      const owner = router.includes(port)
        ? 'the router itself (admin port)'
        : Object.entries(services).find(
            ([other, ports]) => other !== service && (ports.traffic.includes(port) || ports.preview === port),
          )?.[0];
      if (owner)
        throw failure(
          FailureType.portTaken,
          `port ${port} is taken by ${owner.startsWith('the router') ? owner : `service "${owner}"`} on this router: choose a free port`,
        );
    }
  }

  async prepare(service: string, settings: RouterServiceSettings, signal: AbortSignal): Promise<void> {
    for (const dir of [this.dir, path.join(this.dir, 'state'), path.join(this.dir, 'admin.d')]) fs.mkdirSync(dir, { recursive: true });
    await this.refuseTakenPorts(service, settings);
    this.token(); // before the core config that names it goes live
    const files = this.files(service, settings);
    const expectedHash = /"([0-9a-f]+)"/.exec(files[3]!.content)![1]!;
    const changed = files
      .filter(({ file, content }) => readRegularFileIfAny(file) !== content)
      .map((f) => ({ ...f, previous: readRegularFileIfAny(f.file) }));
    if (changed.length === 0 && (await this.servedConfigHash(service)) === expectedHash) return;

    for (const { file, content } of changed) writeFileAtomically(file, content);
    const check = await this.options.control.test();
    if (!check.ok) {
      for (const { file, previous } of changed) {
        if (previous === undefined) fs.rmSync(file, { force: true });
        else writeFileAtomically(file, previous);
      }
      const detail =
        check.output
          .split('\n')
          .filter((line) => /emerg|error|failed/i.test(line))
          .join('; ') || check.output;
      throw failure(
        FailureType.routerRejected,
        `nginx rejected the configuration for ${service} (${detail}); sluice put the previous files back and did not reload, so nginx keeps serving its last good configuration`,
      );
    }
    await this.options.control.reload();
    const confirmMs = this.options.reloadConfirmMs ?? 10_000;
    if (
      !(await pollUntil(async () => (await this.servedConfigHash(service)) === expectedHash, {
        timeoutMs: confirmMs,
        intervalMs: 100,
        signal,
      }))
    ) {
      throw new Error(`nginx did not start serving the new configuration of ${service} within ${confirmMs} ms of the reload`);
    }
  }

  // ------------------------------------------------------------ routing

  async apply(service: string, table: RoutingTable, signal: AbortSignal): Promise<void> {
    const text = encodeRoutes(table);
    // The state file first: if nginx restarts right after, it comes back with this table.
    fs.mkdirSync(path.join(this.dir, 'state'), { recursive: true });
    writeFileAtomically(path.join(this.dir, 'state', `${service}.routes`), text);
    const put = await this.admin('PUT', `/sluice/services/${service}`, text, signal);
    if (put.status !== 200) throw new Error(`nginx refused the routing table for ${service} (${put.status}): ${put.text.trim()}`);
    const served = await this.read(service);
    if (!served || !sameTable(served, table)) {
      throw new Error(
        `nginx serves a different routing table for ${service} than sluice sent: sent ${JSON.stringify(table)}, read back ${JSON.stringify(served)}`,
      );
    }
  }

  async read(service: string): Promise<RoutingTable | undefined> {
    // Never prepared on this nginx: nothing can be routing this service. (Installed but silent is an error below.)
    if (!fs.existsSync(path.join(this.options.confDir, coreConfigName))) return undefined;
    const response = await this.admin('GET', `/sluice/services/${service}`);
    if (response.status === 404) return undefined;
    if (response.status !== 200)
      throw new Error(`reading the routing table of ${service} from nginx failed (${response.status}): ${response.text.trim()}`);
    return decodeRoutes(response.text);
  }

  async drain(
    service: string,
    addresses: string[],
    timeoutMs: number,
    signal: AbortSignal,
    onWait?: (inFlight: number) => void,
  ): Promise<{ drained: boolean; inFlight: number }> {
    const query = addresses.map((a) => `addr=${encodeURIComponent(a)}`).join('&');
    let inFlight = 0;
    const drained = await pollUntil(
      async () => {
        const response = await this.admin('GET', `/sluice/inflight?${query}`, undefined, signal);
        inFlight = response.text
          .split('\n')
          .filter(Boolean)
          .reduce((sum, line) => sum + Math.max(0, Number(line.split(' ')[1])), 0);
        if (inFlight > 0) onWait?.(inFlight);
        return inFlight === 0;
      },
      { timeoutMs, intervalMs: 100, signal },
    );
    return { drained, inFlight };
  }

  /** Peers the balancer ejected after a failed connection (passive health), with the seconds each stays out. */
  async ejected(service: string): Promise<Array<{ address: string; seconds: number }>> {
    const response = await this.admin('GET', `/sluice/health/${service}`);
    if (response.status === 404) return [];
    return response.text
      .split('\n')
      .filter((line) => line.startsWith('ejected '))
      .map((line) => {
        const [, address, seconds] = line.split(' ');
        return { address: address!, seconds: Number(seconds) };
      });
  }

  async traffic(service: string, release: string, sinceMs: number): Promise<ReleaseTraffic> {
    const response = await this.admin('GET', `/sluice/stats/${service}/${release}?since=${Math.floor(sinceMs / 1000)}`);
    const values = Object.fromEntries(
      response.text
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split(' ') as [string, string]),
    );
    return {
      requests: Number(values.requests ?? 0),
      errors: Number(values.errors ?? 0),
      ...(values.p99 ? { p99Ms: Number(values.p99) } : {}),
    };
  }
}
