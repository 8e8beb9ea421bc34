/** A spec from a file as a verb takes it: read, `--image` applied, validated, planning budgets checked. */
import { validateSpec, type DeploymentSpec } from '../planner/spec';
import { type SpecProblem } from '../shared/spec';
import { fleetRefusal } from '../planner/fleet';
import { strategyRefusal } from '../planner/strategies';
import { invalidInput } from './errors';
import { loadSpecFile } from './spec-file';

export interface SpecInput {
  document: Record<string, unknown>;
  spec: DeploymentSpec;
}

/** Problems the planner would find whatever runs (e.g. a rolling budget of 0), so `validate` catches them too. */
function planningProblems(spec: DeploymentSpec): SpecProblem[] {
  const refusal = strategyRefusal(spec) ?? fleetRefusal(spec);
  return refusal ? [{ path: refusal.field, message: refusal.problem }] : [];
}

export function readSpec(file: string, image?: string): SpecInput {
  const loaded = loadSpecFile(file);
  let result = loaded;
  if (loaded.document !== undefined && image !== undefined && typeof loaded.document === 'object' && loaded.document !== null) {
    result = {
      ...validateSpec({ ...(loaded.document as Record<string, unknown>), image }),
      document: { ...(loaded.document as Record<string, unknown>), image },
    };
  }
  const problems = result.ok ? planningProblems(result.spec) : result.problems;
  if (!result.ok || problems.length > 0) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    throw invalidInput(`${file} has ${count}:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`, { problems });
  }
  return { document: result.document as Record<string, unknown>, spec: result.spec };
}
