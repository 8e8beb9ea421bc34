/** A subprocess run to its end: exit code (or the signal that ended it) and what it printed. */
import type { ChildProcess } from 'node:child_process';

export interface CliRun {
  code: number | null;
  /** The signal that ended the process, when one did (SIGKILL after timeoutMs, or one from outside). */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Collects a child's output until it closes; SIGKILLs it after `timeoutMs`. */
export function collect(child: ChildProcess, timeoutMs: number): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
