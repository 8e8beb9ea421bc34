/** A spec that is valid on its own but cannot be planned against what runs (e.g. maxSurge and maxUnavailable both resolve to 0). */
export class PlanError extends Error {
  override readonly name = 'PlanError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}
