import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pollUntil } from '../timing/waits';
import { MissingPrerequisite } from './errors';

/** Small helpers for the stack scripts: commands, daemons with pid files, waiting for ports. */

export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): CommandResult {
  const result = spawnSync(command, args, { encoding: 'utf8', env: options.env ?? process.env, input: options.input });
  if (result.error) return { status: null, stdout: '', stderr: result.error.message };
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs a command and throws with its output when it fails. */
export function runChecked(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): string {
  const result = run(command, args, options);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}): ${(result.stderr || result.stdout).trim()}`);
  }
  return result.stdout;
}

export function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const findGo = () => which('go') ?? ['/usr/local/go/bin/go', '/usr/lib/go/bin/go'].find((p) => fs.existsSync(p));

/** The Go toolchain, which builds the fixture app and the test registry; installed from Debian's packages when missing (as root). */
export function goBinary(why: string): string {
  const found = findGo();
  if (found) return found;
  aptInstall(['golang-go'], `Go is needed ${why}`);
  const installed = findGo();
  if (!installed) throw new MissingPrerequisite(`Go is needed ${why}: install golang-go (apt-get install -y golang-go)`);
  return installed;
}

/** Commands the tests run (command -> the Debian package that has it), installed when missing. */
export function ensureCommands(packages: Record<string, string>, why: string): void {
  const missing = Object.entries(packages).filter(([command]) => !which(command));
  if (missing.length > 0)
    aptInstall([...new Set(missing.map(([, pkg]) => pkg))], `${missing.map(([command]) => command).join(', ')} ${why}`);
}

export const isRoot = (): boolean => process.getuid?.() === 0;

/** Installs Debian packages when we may (root with apt-get); otherwise says exactly what to install. */
export function aptInstall(packages: string[], why: string): void {
  if (!isRoot() || !which('apt-get')) {
    throw new MissingPrerequisite(
      `${why}: install ${packages.join(' ')} (e.g. sudo apt-get install -y ${packages.join(' ')}) and run this again`,
    );
  }
  console.log(`stack: installing ${packages.join(' ')} (${why})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let install = run('apt-get', ['install', '-y', '-qq', ...packages], { env });
  if (install.status !== 0) {
    runChecked('apt-get', ['update', '-qq'], { env });
    install = run('apt-get', ['install', '-y', '-qq', ...packages], { env });
  }
  if (install.status !== 0) {
    throw new MissingPrerequisite(`apt-get install ${packages.join(' ')} failed: ${install.stderr.trim().split('\n').pop()}`);
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && pidAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Starts a long-running process detached from us, its output in logFile and its pid in pidFile. */
export function startDaemon(command: string, args: string[], files: { logFile: string; pidFile: string }, env = process.env): number {
  fs.mkdirSync(path.dirname(files.logFile), { recursive: true });
  // Daemon logs can hold credentials (the test registry prints its password): its owner's only.
  const log = fs.openSync(files.logFile, 'a', 0o600);
  fs.fchmodSync(log, 0o600);
  const child = spawn(command, args, { detached: true, stdio: ['ignore', log, log], env });
  fs.closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  child.unref();
  fs.writeFileSync(files.pidFile, `${child.pid}\n`);
  return child.pid;
}

/** Polls until check() returns true; throws with the description and the log's tail on timeout. */
export async function waitUntil(
  description: string,
  check: () => Promise<boolean> | boolean,
  options: { timeoutMs: number; logFile?: string },
): Promise<void> {
  if (await pollUntil(check, { timeoutMs: options.timeoutMs, intervalMs: 200 })) return;
  const tail =
    options.logFile && fs.existsSync(options.logFile) ? `\n--- ${options.logFile} (last lines) ---\n${tailOf(options.logFile, 15)}` : '';
  throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${description}${tail}`);
}

export function tailOf(file: string, lines: number): string {
  return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

export async function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Sends SIGTERM, waits, then SIGKILL; removes the pid file. */
export async function stopDaemon(pidFile: string, name: string, graceMs = 10_000): Promise<boolean> {
  const pid = readPid(pidFile);
  fs.rmSync(pidFile, { force: true });
  if (pid === undefined) return false;
  process.kill(pid, 'SIGTERM');
  await pollUntil(() => !pidAlive(pid), { timeoutMs: graceMs, intervalMs: 100 });
  if (pidAlive(pid)) {
    console.log(`stack: ${name} (pid ${pid}) did not stop in ${graceMs} ms, killing it`);
    process.kill(pid, 'SIGKILL');
  }
  return true;
}
