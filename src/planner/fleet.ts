/**
 * How a fleet deployment takes its hosts: the waves, and how many hosts must keep serving the
 * stable release while one changes (AWS CodeDeploy's minimum healthy hosts). Pure.
 */
import { PlanError } from './errors';
import { resolveCountOrPercent } from './rolling';
import type { DeploymentSpec } from './spec';
import { fleetModeOf } from './strategies';

export interface FleetPlan {
  /** Hosts by wave, in the spec's order: a wave starts when the one before is ready. */
  waves: string[][];
  /** Lockstep: one wave of every host, their gates answered together. */
  lockstep: boolean;
  /** Hosts that must serve the stable release while a wave changes. */
  minHealthyHosts: number;
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

export function planFleet(spec: DeploymentSpec): FleetPlan {
  const hosts = spec.hosts ?? [];
  const fleet = spec.fleet ?? { hostsAtOnce: 1, pauseBetweenWaves: 0 };
  if (fleetModeOf(spec) === 'lockstep') return { waves: [hosts], lockstep: true, minHealthyHosts: 0 };
  // A percentage of hosts rounds down (Kamal's boot limit), but a wave takes at least one host.
  const atOnce = Math.min(hosts.length, Math.max(1, resolveCountOrPercent(fleet.hostsAtOnce, hosts.length, 'down')));
  // CodeDeploy rounds a percentage of minimum healthy hosts up.
  const minHealthyHosts =
    fleet.minHealthyHosts === undefined ? hosts.length - atOnce : resolveCountOrPercent(fleet.minHealthyHosts, hosts.length, 'up');
  if (hosts.length - atOnce < minHealthyHosts) {
    throw new PlanError(
      'fleet.hostsAtOnce',
      `taking ${atOnce} of ${hosts.length} hosts at once leaves ${hosts.length - atOnce} serving, fewer than minHealthyHosts ${minHealthyHosts}: lower hostsAtOnce or minHealthyHosts`,
    );
  }
  const waves: string[][] = [];
  for (let index = 0; index < hosts.length; index += atOnce) waves.push(hosts.slice(index, index + atOnce));
  return { waves, lockstep: false, minHealthyHosts };
}
