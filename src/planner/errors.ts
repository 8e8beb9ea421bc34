/**
 * A spec that is valid on its own but cannot be planned against what runs (e.g. maxSurge and
 * maxUnavailable both resolve to 0). The field and the problem are data: the CLI lists them as
 * it lists schema problems; the message joins them for logs and failures.
 */
export class PlanError extends Error {
  override readonly name = 'PlanError';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}
