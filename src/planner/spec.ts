/**
 * The whole deployment spec: the fields every strategy shares (shared/spec.ts) around the
 * strategies' own schemas (strategies.ts). What `sluice validate`, the CLI and the workflow
 * (which re-validates its input in the sandbox) check a document with.
 */
import { z } from 'zod';
import { parseDocument, specSchemaWith, type SpecProblem } from '../shared/spec';
import { previewOf, strategySchema } from './strategies';

const specFields = specSchemaWith(strategySchema);

export const deploymentSpecSchema = specFields.superRefine((spec, ctx) => {
  const preview = previewOf(spec)?.listenPort;
  if (preview !== undefined && [spec.traffic.listenPort, ...spec.traffic.extraListenPorts].includes(preview)) {
    ctx.addIssue({
      code: 'custom',
      path: ['strategy', 'preview', 'listenPort'],
      message: 'must differ from traffic.listenPort and traffic.extraListenPorts',
      input: preview,
    });
  }
});

export type DeploymentSpecInput = z.input<typeof deploymentSpecSchema>;
export type DeploymentSpec = z.output<typeof specFields>;
export type { Strategy, StrategyType } from './strategies';

export type SpecResult = { ok: true; spec: DeploymentSpec } | { ok: false; problems: SpecProblem[] };

/** Validates an already-parsed document (the output of YAML/JSON parsing). */
export function validateSpec(input: unknown): SpecResult {
  const result = parseDocument(deploymentSpecSchema, input);
  return result.ok ? { ok: true, spec: result.value } : result;
}

/** The JSON Schema of the document people write (input side: durations as strings), for editor completion. */
export function specJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(deploymentSpecSchema, { io: 'input' }),
    $id: 'https://sluice.dev/schema/deployment-spec.json',
    title: 'sluice deployment spec',
  };
}
