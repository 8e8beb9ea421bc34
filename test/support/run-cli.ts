/**
 * Runs the real `sluice` program (src/client/cli.ts: commander, the context, the error mapping)
 * in this process against a FakeTemporal, and returns what it printed and its exit code.
 *
 * The test file mocks the connection so the context's client is the fake:
 *   vi.mock('<path to>/src/temporal/connection', async (original) => ({ ...(await original<object>()), connectClient: (await import('<path to>/test/support/fake-temporal')).connectStub }));
 */
import { Command } from 'commander';
import { vi } from 'vitest';
import { main } from '../../src/client/cli';
import type { Wrap } from '../../src/client/commands/verb';
import { temporalStub, type FakeTemporal } from './fake-temporal';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Who the verbs say acted, unless a test sets SLUICE_ACTOR itself. */
export const TEST_ACTOR = 'tester@ci';

export async function runCli(
  args: string[],
  options: { temporal?: FakeTemporal; connectFailure?: Error; env?: Record<string, string | undefined> } = {},
): Promise<CliRun> {
  temporalStub.current = options.temporal;
  temporalStub.failure = options.connectFailure;
  temporalStub.connected = [];
  vi.stubEnv('SLUICE_ACTOR', TEST_ACTOR);
  for (const [name, value] of Object.entries(options.env ?? {})) vi.stubEnv(name, value);
  let stdout = '';
  let stderr = '';
  const capture =
    (append: (text: string) => void) =>
    (chunk: unknown, ...rest: unknown[]) => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture((t) => (stdout += t)));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture((t) => (stderr += t)));
  process.exitCode = undefined;
  try {
    await main(['node', 'sluice', ...args]);
  } finally {
    out.mockRestore();
    err.mockRestore();
    vi.unstubAllEnvs();
  }
  const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  process.exitCode = undefined;
  return { code, stdout, stderr };
}

/**
 * What commander hands a verb's action for `argv` (the verb and its arguments), without running
 * it: its positional arguments and its options, defaults included. A usage error throws
 * commander's error (its `code` and `message`).
 */
export async function parseVerb(
  register: (program: Command, wrap: Wrap) => void,
  argv: string[],
): Promise<{ args: unknown[]; options: Record<string, unknown> }> {
  const program = new Command('sluice').exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  let parsed: { args: unknown[]; options: Record<string, unknown> } | undefined;
  register(program, () => async (...received: unknown[]) => {
    parsed = { args: received.slice(0, -2), options: received.at(-2) as Record<string, unknown> };
  });
  for (const command of program.commands) command.exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  await program.parseAsync(argv, { from: 'user' });
  if (!parsed) throw new Error(`test bug: ${argv.join(' ')} ran no action`);
  return parsed;
}
