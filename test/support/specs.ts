import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { validateSpec, type DeploymentSpec, type DeploymentSpecInput } from '../../src/planner/spec';

/** A valid spec document; overrides replace top-level fields. */
export function specDocument(
  overrides: Partial<Record<keyof DeploymentSpecInput, unknown>> & Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    service: 'web',
    image: 'sluice-fixture:v2',
    replicas: 3,
    port: 8080,
    health: { path: '/ready', interval: '100ms', startPeriod: '0s' },
    strategy: { type: 'rolling' },
    traffic: { listenPort: 18080 },
    ...overrides,
  };
}

/** A validated spec; throws with the problems when the document is invalid (a test bug). */
export function makeSpec(overrides: Partial<Record<keyof DeploymentSpecInput, unknown>> = {}): DeploymentSpec {
  const result = validateSpec(specDocument(overrides));
  if (!result.ok) throw new Error(`test spec is invalid: ${JSON.stringify(result.problems)}`);
  return result.spec;
}

/** The problems validation reports for a document, one "path: message" line each; throws when it is valid (a test bug). */
export function specProblems(document: unknown): string[] {
  const result = validateSpec(document);
  if (result.ok) throw new Error('expected the spec to be invalid');
  return result.problems.map((p) => `${p.path}: ${p.message}`);
}

/** Asserts that the document with `overrides` is refused with a problem starting with each of `expected`. */
export function expectProblems(overrides: Record<string, unknown>, expected: string[]): void {
  const found = specProblems(specDocument(overrides));
  for (const line of expected)
    expect(
      found.some((problem) => problem.startsWith(line)),
      `${line}\nin\n${found.join('\n')}`,
    ).toBe(true);
}

/** Writes a spec document (JSON, which is YAML) to a fresh temporary file; returns its path. */
export function specFile(document: unknown = specDocument(), name = 'web.yaml'): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-spec-')), name);
  fs.writeFileSync(file, typeof document === 'string' ? document : JSON.stringify(document, null, 2));
  return file;
}
