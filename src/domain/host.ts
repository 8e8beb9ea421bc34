/** A Docker host of a fleet, as its worker introduced itself when it started. */
export interface KnownHost {
  /** SLUICE_HOST of the worker serving it. */
  name: string;
  /** The task queue its activities run on (hostTaskQueue). */
  taskQueue: string;
  /** The Temporal identity of the worker that last introduced the host (pid@machine). */
  identity: string;
  sluiceVersion: string;
  /** The Docker Engine's version, or what stopped the worker from asking it. */
  dockerVersion: string;
  /** When the worker started (ISO 8601): the host's last introduction. */
  seenAt: string;
}
