/**
 * Reading a spec file as people write it: YAML (JSON is YAML too). Duplicate
 * keys, unbounded alias expansion, binary garbage and empty files are refused
 * with a line that says where and why, before validation sees the document.
 */
import fs from 'node:fs';
import YAML from 'yaml';
import { validateSpec, type SpecResult } from '../planner/spec';
import { type SpecProblem } from '../shared/spec';

export type SpecFileResult = SpecResult & { document?: unknown };

function problem(message: string): { ok: false; problems: SpecProblem[] } {
  return { ok: false, problems: [{ path: '(spec)', message }] };
}

export function parseSpecText(text: string): SpecFileResult {
  if (text.includes('\u0000') || text.includes('\uFFFD'))
    return problem('the file is not text (it contains binary data): a spec is YAML or JSON');
  if (text.trim() === '')
    return problem('the file is empty: a spec needs at least service, image, replicas, port, health, strategy and traffic');
  let document: unknown;
  try {
    document = YAML.parse(text, { uniqueKeys: true, maxAliasCount: 100, strict: true, prettyErrors: true });
  } catch (error) {
    const message = (error as Error).message.split('\n')[0]!.replace(/^YAMLParseError: /, '');
    const hint = /alias/i.test(message) ? ' (aliases that expand without bound are refused)' : '';
    return problem(`not valid YAML: ${message}${hint}`);
  }
  return { ...validateSpec(document), document };
}

/** A spec is a page of YAML; anything bigger is a mistake (or an attack on the parser). */
export const MAX_SPEC_BYTES = 1024 * 1024;

export function loadSpecFile(file: string): SpecFileResult {
  let bytes: Buffer;
  try {
    const size = fs.statSync(file).size;
    if (size > MAX_SPEC_BYTES) return problem(`${file} is ${size} bytes: a spec is at most ${MAX_SPEC_BYTES} bytes`);
    bytes = fs.readFileSync(file);
  } catch (error) {
    return problem(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseSpecText(new TextDecoder('utf-8', { fatal: false }).decode(bytes));
}
