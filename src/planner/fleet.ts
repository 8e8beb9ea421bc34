/**
 * How a fleet deployment takes its hosts: the waves, and how many hosts must keep serving the
 * stable release while one changes (AWS CodeDeploy's minimum healthy hosts). Pure.
 */
import { formatDuration } from '../shared/duration';
import { fleetSettingsSchema } from '../shared/spec';
import { PlanError } from './errors';
import { resolveCountOrPercent } from './rolling';
import type { ObservedService } from '../domain';
import type { DeploymentSpec } from './spec';
import { fleetModeOf } from './strategies';

export interface FleetPlan {
  /** Hosts by wave, in the spec's order: a wave starts when the one before is ready. */
  waves: string[][];
  /** Lockstep: one wave of every host, their gates answered together. */
  lockstep: boolean;
  /** Hosts that must serve while a wave changes, and that must be left when hosts are lost. */
  minHealthyHosts: number;
  /** A wait between two waves in ms, or a gate for `sluice promote`. */
  pauseBetweenWaves: number | 'promote';
  onFailure: FleetFailureAction;
  onHostLost: HostLostAction;
  /** How long a host's work may wait for its worker (schedule-to-start) before the host is lost. */
  hostLostAfterMs: number;
}

type FleetSettings = NonNullable<DeploymentSpec['fleet']>;
export type FleetFailureAction = FleetSettings['onFailure'];
export type HostLostAction = FleetSettings['onHostLost'];

/** The settings of a spec without `fleet:`: the schema's defaults, as docs/spec.md lists them. */
const DEFAULTS: FleetSettings = fleetSettingsSchema.parse({});

function shortestDeadline(spec: DeploymentSpec): number {
  const deadline = spec.progressDeadline;
  return typeof deadline === 'number'
    ? deadline
    : Math.min(...Object.values(deadline).filter((ms): ms is number => typeof ms === 'number'));
}

/** How long a host's work may wait for its worker before the host is lost. */
export function hostLostAfterMs(spec: DeploymentSpec): number {
  return (spec.fleet ?? DEFAULTS).hostLostAfter;
}

/**
 * The spec document each host deploys: the fleet's own without its migrations, which the fleet
 * runs once for every host (expand before any host, contract once every host is ready).
 */
export function hostDocument(document: unknown): unknown {
  if (typeof document !== 'object' || document === null || !('migrations' in document)) return document;
  const { migrations: _migrations, ...rest } = document as Record<string, unknown>;
  return rest;
}

/** Why the spec's fleet settings can never be met, or undefined (no hosts: nothing to check). */
export function fleetRefusal(spec: DeploymentSpec): PlanError | undefined {
  if (!spec.hosts) return undefined;
  try {
    planFleet(spec);
    return undefined;
  } catch (error) {
    if (error instanceof PlanError) return error;
    throw error;
  }
}

/**
 * Why a host should be taken first, as CodeDeploy takes unhealthy instances first: it runs fewer
 * replicas of the service than the spec asks (some crashed or stopped), or none; undefined when it
 * runs them all. Changing such a host first costs the fleet no capacity it has.
 */
export function needsAttention(observed: ObservedService, replicas: number): string | undefined {
  const count = (groups: Array<{ slots: number[] }>) => groups.reduce((sum, group) => sum + group.slots.length, 0);
  const running = count(observed.releases);
  const stopped = count(observed.stopped);
  if (running === 0) return 'it runs no replica of the service';
  if (running >= replicas && stopped === 0) return undefined;
  return `${running} of ${replicas} replicas run${stopped > 0 ? `, ${stopped} stopped` : ''}`;
}

/**
 * The fleet's waves and settings. `first`: hosts to take before the others (those that need
 * attention), each group in the spec's order.
 */
export function planFleet(spec: DeploymentSpec, first: readonly string[] = []): FleetPlan {
  const listed = spec.hosts ?? [];
  const hosts = [...listed.filter((host) => first.includes(host)), ...listed.filter((host) => !first.includes(host))];
  const fleet: FleetSettings = spec.fleet ?? DEFAULTS;
  const settings = {
    pauseBetweenWaves: fleet.pauseBetweenWaves,
    onFailure: fleet.onFailure,
    onHostLost: fleet.onHostLost,
    hostLostAfterMs: fleet.hostLostAfter,
  };
  const deadline = shortestDeadline(spec);
  if (fleet.hostLostAfter >= deadline)
    throw new PlanError(
      'fleet.hostLostAfter',
      `${formatDuration(fleet.hostLostAfter)} is not shorter than the shortest progress deadline (${formatDuration(deadline)}), so a lost worker would be reported as a missed deadline: lower hostLostAfter`,
    );
  // CodeDeploy rounds a percentage of minimum healthy hosts up.
  const minHealthy = (fallback: number) =>
    fleet.minHealthyHosts === undefined ? fallback : resolveCountOrPercent(fleet.minHealthyHosts, hosts.length, 'up');
  if (fleetModeOf(spec) === 'lockstep') {
    if (fleet.onFailure === 'pause')
      throw new PlanError(
        'fleet.onFailure',
        `${spec.strategy.type} moves every host in lockstep, where a host that failed cannot rejoin the others at their step: use onFailure: rollback`,
      );
    // Every host changes at once, each keeping its stable release serving until it is ready: the minimum only bounds lost hosts.
    return { waves: [hosts], lockstep: true, minHealthyHosts: minHealthy(1), ...settings };
  }
  // A percentage of hosts rounds down (Kamal's boot limit), but a wave takes at least one host.
  const atOnce = Math.min(hosts.length, Math.max(1, resolveCountOrPercent(fleet.hostsAtOnce, hosts.length, 'down')));
  const minHealthyHosts = minHealthy(hosts.length - atOnce);
  if (hosts.length - atOnce < minHealthyHosts) {
    throw new PlanError(
      'fleet.hostsAtOnce',
      `taking ${atOnce} of ${hosts.length} hosts at once leaves ${hosts.length - atOnce} serving, fewer than minHealthyHosts ${minHealthyHosts}: lower hostsAtOnce or minHealthyHosts`,
    );
  }
  const waves: string[][] = [];
  for (let index = 0; index < hosts.length; index += atOnce) waves.push(hosts.slice(index, index + atOnce));
  return { waves, lockstep: false, minHealthyHosts, ...settings };
}
