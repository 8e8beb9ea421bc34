import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomically } from '../files/safe-files';

/**
 * `.sluice/stack.env` records where the running stack's parts answer, so
 * tests, the CLI and the demo find them without anyone exporting variables.
 */
export function stackEnvPath(stateDir: string): string {
  return path.join(stateDir, 'stack.env');
}

export function writeStackEnv(stateDir: string, values: Record<string, string>): void {
  const lines = Object.entries(values).map(([key, value]) => `${key}=${value}`);
  fs.mkdirSync(stateDir, { recursive: true });
  // Replaced in one step: test files read it while the demo may be rewriting it. It holds the
  // registry's password: its owner's only.
  writeFileAtomically(stackEnvPath(stateDir), `# written by \`npm run stack:up\`\n${lines.join('\n')}\n`, 0o600);
}

export function readStackEnv(stateDir: string): Record<string, string> {
  const file = stackEnvPath(stateDir);
  if (!fs.existsSync(file)) return {};
  const entries = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.includes('=') && !line.startsWith('#'))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const);
  return Object.fromEntries(entries);
}

/** Fills process.env from the stack file; variables already set win. */
export function loadStackEnv(stateDir: string): void {
  for (const [key, value] of Object.entries(readStackEnv(stateDir))) {
    process.env[key] ??= value;
  }
}
