/**
 * spec + what runs now -> the ordered steps of a deployment.
 *
 * Every plan has the same frame: prepare the router, expand migrations before
 * any new code runs, the strategy's middle, contract migrations (gated) once
 * the old release takes no traffic, and finally removal of old containers,
 * which is the only step that cannot be undone and so comes last.
 */
import type { ObservedGroup, ObservedService, Plan, PortClaims, ReplicaGroup, Resolution, Routing } from '../domain';
import type { DeploymentSpec } from './spec';
import { EMPTY_ROUTING, PlanBuilder, slotRange } from './builder';
import { group } from './context';
import { PlanError } from './errors';
import { containerTemplate, releaseId } from './release';
import { planStrategy, previewOf, unplannable } from './strategies';

/** The release serving now: the one with the most traffic, else (router never saw the service) the one with the most replicas. */
export function findStable(observed: ObservedService): ReplicaGroup | undefined {
  const weight = (release: string) => observed.routing?.weights[release] ?? 0;
  const running = observed.releases.filter((r) => r.slots.length > 0);
  const best = [...running].sort(
    (a, b) => weight(b.release) - weight(a.release) || b.slots.length - a.slots.length || (a.release < b.release ? -1 : 1),
  )[0];
  return best && group(best.release, best.slots);
}

/**
 * Same template already serving: start what is missing, route all traffic to it, stop what is
 * extra, and finish what an interrupted deployment left (its other releases' containers, and
 * the contract migrations it did not run once nothing else runs).
 */
function planConverge(
  spec: DeploymentSpec,
  stable: ObservedGroup,
  leftovers: ObservedGroup[],
  builder: PlanBuilder,
  notes: string[],
): void {
  const wanted = slotRange(0, spec.replicas);
  const missing = wanted.filter((slot) => !stable.slots.includes(slot));
  const extra = stable.slots.filter((slot) => !wanted.includes(slot));
  builder.start(stable.release, missing);
  builder.route({ peers: [group(stable.release, wanted)], weights: { [stable.release]: 100 } });
  builder.stop(stable.release, extra);
  builder.remove(stable.release, extra);
  for (const leftover of leftovers) builder.remove(leftover.release, leftover.slots);
  // Contract is what a deployment that failed past the point of no return may have left: its old release,
  // older than the one serving, is still there. A newer leftover (an unfinished deployment of a later
  // release that never served) says nothing of the sort, and its migrations must not run now.
  const older = (g: ObservedGroup) => g.createdAt !== undefined && stable.createdAt !== undefined && g.createdAt < stable.createdAt;
  if (spec.migrations && leftovers.length > 0 && leftovers.every(older)) {
    notes.push('containers of an older release that an unfinished deployment left are removed, then pending contract migrations run');
    if (spec.migrations.contract === 'onPromote') builder.pause('contract', undefined);
    builder.migrate('contract');
  } else if (leftovers.length > 0) {
    notes.push('containers of other releases that an unfinished deployment left are removed');
  }
  if (builder.build().every((planned) => planned.step.kind === 'prepareRouter')) {
    notes.push(`release ${stable.release} already runs ${spec.replicas} replica(s) of this spec: nothing to do`);
  }
}

/** The observed routing, minus peers that no longer run (a crashed replica cannot be routed back to). */
function routableNow(observed: ObservedService): Routing {
  if (!observed.routing) return EMPTY_ROUTING;
  const running = (release: string) => observed.releases.find((r) => r.release === release)?.slots ?? [];
  const peers = observed.routing.peers
    .map((g) => ({ release: g.release, slots: g.slots.filter((slot) => running(g.release).includes(slot)) }))
    .filter((g) => g.slots.length > 0);
  return { ...observed.routing, peers };
}

/** The ports the spec asks the router for, each with its field. */
function requestedPorts(spec: DeploymentSpec): Array<{ field: string; port: number }> {
  const preview = previewOf(spec)?.listenPort;
  return [
    { field: 'traffic.listenPort', port: spec.traffic.listenPort },
    ...spec.traffic.extraListenPorts.map((port, index) => ({ field: `traffic.extraListenPorts[${index}]`, port })),
    ...(preview !== undefined ? [{ field: 'strategy.preview.listenPort', port: preview }] : []),
  ];
}

/**
 * Refuses ports the router already listens on for another service or for itself (nginx would
 * accept both listeners, and one service would silently serve the other's traffic), and a
 * listenPort moved in one step (every client of the old port would be cut).
 */
export function checkPorts(spec: DeploymentSpec, claims: PortClaims | undefined): void {
  if (!claims) return;
  for (const { field, port } of requestedPorts(spec)) {
    if (claims.router.includes(port))
      throw new PlanError(field, `port ${port} is the router's own admin port (SLUICE_NGINX_ADMIN_PORT): choose another port`);
    const owner = Object.entries(claims.services).find(
      ([service, ports]) => service !== spec.service && (ports.traffic.includes(port) || ports.preview === port),
    );
    if (owner)
      throw new PlanError(
        field,
        `port ${port} is taken by service "${owner[0]}" on this router: choose a free port (two services on one port would serve each other's traffic)`,
      );
  }
  const serving = claims.services[spec.service]?.traffic ?? [];
  const { listenPort } = spec.traffic;
  if (serving.length > 0 && !serving.includes(listenPort)) {
    const now = serving.join(', ');
    throw new PlanError(
      'traffic.listenPort',
      `${spec.service} serves on port ${now} now; moving it to ${listenPort} in one deployment would cut every client of ${now}. Serve both first: deploy with listenPort: ${serving[0]} and extraListenPorts: [${listenPort}], move the clients, then deploy with listenPort: ${listenPort} (keep ${serving[0]} in extraListenPorts until nothing uses it)`,
    );
  }
}

export function planDeployment(spec: DeploymentSpec, observed: ObservedService, resolution: Resolution = {}): Plan {
  checkPorts(spec, observed.ports);
  const target = releaseId(spec, resolution);
  const stable = findStable(observed);
  const notes: string[] = resolution.image?.note ? [resolution.image.note] : [];
  const initialRouting = routableNow(observed);
  const builder = new PlanBuilder(initialRouting, stable ? [stable] : []);
  // Containers of other releases take no traffic once the plan has run: garbage from an interrupted past.
  const leftovers = [
    ...observed.releases.filter((r) => r.release !== stable?.release),
    ...observed.stopped.filter((r) => r.release !== stable?.release),
  ];

  // Checked even when nothing runs yet, so a budget mistake shows on the first deployment, not the second.
  const refusal = unplannable(spec);
  if (refusal) throw refusal;
  builder.prepareRouter();
  if (stable?.release === target) {
    const createdAt = observed.releases.find((r) => r.release === stable.release)?.createdAt;
    planConverge(spec, { ...stable, ...(createdAt !== undefined ? { createdAt } : {}) }, leftovers, builder, notes);
  } else {
    planNewRelease(spec, observed, target, stable, leftovers, builder, notes);
  }
  return {
    service: spec.service,
    strategy: spec.strategy.type,
    targetRelease: target,
    template: containerTemplate(spec, resolution),
    stableRelease: stable?.release,
    initialRouting,
    steps: builder.build(),
    notes,
  };
}

/** expand, the strategy's middle (or, with nothing serving, the release at full size), contract, then removal of the old. */
function planNewRelease(
  spec: DeploymentSpec,
  observed: ObservedService,
  target: string,
  stable: ReplicaGroup | undefined,
  leftovers: ObservedGroup[],
  builder: PlanBuilder,
  notes: string[],
): void {
  if (spec.migrations) builder.migrate('expand');
  if (stable) {
    planStrategy({ spec, strategy: spec.strategy, target, stable, builder, notes });
  } else {
    notes.push(
      `first deployment of ${spec.service}: nothing runs yet, so the new release starts at full size and takes all traffic (no gates)`,
    );
    const fresh = group(target, slotRange(0, spec.replicas));
    builder.start(target, fresh.slots);
    builder.route({ peers: [fresh], weights: { [target]: 100 } });
  }
  if (spec.migrations) {
    // With no old release there is nothing the contract could break, so a first deployment does not wait for it.
    if (spec.migrations.contract === 'onPromote' && stable) builder.pause('contract', undefined);
    builder.migrate('contract');
  }
  if (stable) {
    const crashed = observed.stopped.find((g) => g.release === stable.release)?.slots ?? [];
    builder.remove(
      stable.release,
      [...stable.slots, ...crashed].sort((a, b) => a - b),
    );
  }
  for (const leftover of leftovers) {
    const unused = leftover.release === target ? leftover.slots.filter((slot) => slot >= spec.replicas) : leftover.slots;
    builder.remove(leftover.release, unused);
  }
}
