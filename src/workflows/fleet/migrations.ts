/**
 * A fleet's migrations run once for the whole fleet, never per host: expand before any host
 * starts the new release, contract once every host is ready (before any host removes its old
 * release), and the undo of expand once every host has rolled back. Each runs on a host's worker
 * (the hosts share the database; a host's worker has its grants and migration files), the first
 * host whose worker takes the work within hostLostAfter: a lost host does not stop the fleet's
 * migrations.
 */
import { ApplicationFailure, log, type ActivityOptions } from '@temporalio/workflow';
import type { MigrationDirection } from '../../domain';
import type { DeploymentSpec } from '../../planner/spec';
import { hostLostAfterMs } from '../../planner/fleet';
import { formatDuration } from '../../shared/duration';
import { hostTaskQueue } from '../../shared/names';
import { activities, HEARTBEAT_TIMEOUT } from '../deploy/activity-calls';
import { now, type DeploymentControl } from '../deploy/control';
import { deadlineFailure, deadlineFor } from '../deploy/deadlines';
import { notStartedInTime } from '../deploy/fleet-report';
import { waitAtGate, type GateHolder } from '../deploy/gates';
import { messageOf } from '../failures';
import type { FleetHosts } from './hosts';

const SUMMARY: Record<MigrationDirection, string> = {
  expand: 'run expand migrations, once for the fleet',
  contract: 'run contract migrations, once for the fleet',
  rollbackExpand: 'roll back expand migrations, once for the fleet',
};

/** The failure of migrations no host's worker took: nothing of them ran. */
const NO_WORKER_TOOK_THEM = 'NoWorkerTookMigrations';

/** Where the fleet's migrations run: the fleet's task queue (its hosts' queues follow from it) and its deployment id. */
export interface FleetMigrationRun {
  spec: DeploymentSpec;
  control: DeploymentControl;
  taskQueue: string;
  /** `<workflow id>/<run id>` of the fleet deployment: undoing expand undoes only what this deployment's expand applied. */
  deploymentId: string;
}

/** The fleet's migrations over one deployment: what ran, and what a rollback must undo. */
export class FleetMigrations {
  private expandBegun = false;

  constructor(
    private readonly run: FleetMigrationRun,
    private readonly hosts: FleetHosts,
  ) {}

  /**
   * Expand, before any host starts: registered as begun first, so that a rollback undoes a partial
   * expand too (unless no host's worker ever took it: then nothing ran).
   */
  async expand(): Promise<void> {
    this.expandBegun = true;
    try {
      await migrateOnce(this.run, 'expand', this.order());
    } catch (error) {
      if (error instanceof ApplicationFailure && error.type === NO_WORKER_TOOK_THEM) this.expandBegun = false;
      throw error;
    }
  }

  /**
   * With `contract: onPromote`, the contract gate: every host is ready, and the fleet waits for
   * `sluice promote` before the point of no return (an abort here still rolls every host back).
   * A first deployment (no host had a release to break) does not wait.
   */
  async contractGate(holder: GateHolder): Promise<void> {
    const breaksARelease = this.hosts
      .all()
      .some((host) => host.stableRelease !== undefined && host.stableRelease !== host.status.targetRelease);
    if (this.run.spec.migrations!.contract === 'onPromote' && breaksARelease) await waitAtGate(holder, 'contract', undefined, true);
  }

  /**
   * Contract, past the point of no return. Not while a lost host that never got ready may still
   * serve the old release, which needs the old schema. Says why it did not run (deploying the same
   * spec again runs it), and whether that is a failure (nothing is undone then).
   */
  async contract(): Promise<{ note: string; failed: boolean } | undefined> {
    const onOld = this.hosts
      .lost()
      .filter((host) => !host.reachedFleetGate)
      .map((host) => host.status.name);
    if (onOld.length > 0)
      return {
        note: `contract migrations not run: ${onOld.join(', ')} (lost before ${onOld.length === 1 ? 'it was' : 'they were'} ready) may still serve the old release, which contract would break; deploy the same spec again once ${onOld.length === 1 ? 'its worker is' : 'their workers are'} back`,
        failed: false,
      };
    try {
      await migrateOnce(this.run, 'contract', this.order());
      return undefined;
    } catch (error) {
      return {
        note: `contract migrations failed past the point of no return, so nothing was undone and the new release keeps serving: ${messageOf(error)}; deploy the same spec again to run them`,
        failed: true,
      };
    }
  }

  /**
   * Undoes this deployment's expand once every host has rolled back; not while a host may still run
   * the new release, which needs the expanded schema (a lost host, or `rollbackUnfinished` on one).
   * Says what it left, and whether that is a rollback that did not finish.
   */
  async undoExpand(rollbackUnfinished: boolean): Promise<{ note: string; incomplete: boolean } | undefined> {
    if (!this.expandBegun) return undefined;
    const lost = this.hosts.lost().map((host) => host.status.name);
    const onNew = lost.length > 0 ? `${lost.join(', ')} (lost)` : rollbackUnfinished ? 'a host whose rollback did not finish' : undefined;
    if (onNew)
      return {
        note: `expand migrations left applied: ${onNew} may still run the new release, which needs them; the old release runs on the expanded schema, as expand/contract requires`,
        incomplete: false,
      };
    try {
      await migrateOnce(this.run, 'rollbackExpand', this.order());
      return undefined;
    } catch (error) {
      return { note: `rollback incomplete: roll back expand migrations: ${messageOf(error)}`, incomplete: true };
    }
  }

  /** The hosts whose workers took their work last first: the spec's order, lost hosts last. */
  private order(): string[] {
    const all = this.hosts.all();
    return [...all.filter((host) => !host.lost), ...all.filter((host) => host.lost)].map((host) => host.status.name);
  }
}

/**
 * Runs the spec's migrations in one direction on the first of `hosts` whose worker takes them, bounded
 * by the phase's progress deadline. Throws the migration's failure, or that no host's worker took it.
 */
export async function migrateOnce(run: FleetMigrationRun, direction: MigrationDirection, hosts: string[]): Promise<void> {
  const { spec, control } = run;
  const phase = direction === 'contract' ? 'contracting' : 'migrating';
  const summary = SUMMARY[direction];
  control.record({ type: 'stepStarted', number: 1, total: 1, summary, phase, rollback: direction === 'rollbackExpand', at: now() });
  const limit = deadlineFor(spec, phase) ?? 600_000;
  const lostAfter = hostLostAfterMs(spec);
  for (const host of hosts) {
    const options: ActivityOptions = {
      summary: `${summary}, on ${host}`,
      taskQueue: hostTaskQueue(run.taskQueue, host),
      scheduleToStartTimeout: lostAfter,
      scheduleToCloseTimeout: limit,
      startToCloseTimeout: limit,
      heartbeatTimeout: HEARTBEAT_TIMEOUT,
    };
    try {
      await activities.migrate.executeWithOptions(options, [
        { service: spec.service, deployment: run.deploymentId, direction, settings: spec.migrations! },
      ]);
      control.record({ type: 'stepSucceeded', step: { kind: 'migrate', direction }, at: now() });
      return;
    } catch (error) {
      if (!notStartedInTime(error)) throw deadlineFailure(error, limit, phase, summary);
      log.warn(`no worker of ${host} took the ${direction} migrations within ${formatDuration(lostAfter)}: trying the next host`);
    }
  }
  throw ApplicationFailure.create({
    type: NO_WORKER_TOOK_THEM,
    message: `no worker of ${hosts.join(', ')} took the ${direction} migrations within ${formatDuration(lostAfter)}`,
  });
}
