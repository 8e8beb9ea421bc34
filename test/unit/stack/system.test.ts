import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pidAlive, portOpen, readPid, run, runChecked, startDaemon, stopDaemon, tailOf, waitUntil, which } from '../../../src/stack/system';

afterEach(() => vi.unstubAllEnvs());

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-system-'));

describe('run / runChecked', () => {
  it('returns the status and the output, with input on stdin', () => {
    expect(run('cat', [], { input: 'hello' })).toEqual({ status: 0, stdout: 'hello', stderr: '' });
    expect(run(process.execPath, ['-e', 'process.stderr.write("bad"); process.exit(3)'])).toEqual({ status: 3, stdout: '', stderr: 'bad' });
  });

  it('a command that cannot start has no status and says why', () => {
    expect(run('/nonexistent/tool', [])).toMatchObject({ status: null, stdout: '', stderr: expect.stringMatching(/ENOENT/) });
  });

  it('runChecked returns stdout, or throws with the command, its exit code and its output', () => {
    expect(runChecked('cat', [], { input: 'ok' })).toBe('ok');
    expect(() => runChecked(process.execPath, ['-e', 'console.log("out only"); process.exit(2)'])).toThrow(/failed \(exit 2\): out only$/);
  });
});

describe('which', () => {
  it("finds an executable on PATH, in PATH's order, and never a file that is not executable", () => {
    const [first, second] = [tmp(), tmp()];
    fs.writeFileSync(path.join(first, 'tool'), '', { mode: 0o644 });
    fs.writeFileSync(path.join(second, 'tool'), '', { mode: 0o755 });
    fs.writeFileSync(path.join(first, 'other'), '', { mode: 0o755 });
    vi.stubEnv('PATH', [first, second].join(path.delimiter));
    // Root may read and write anything, but executes only files with an x bit.
    expect(which('tool')).toBe(path.join(second, 'tool'));
    expect(which('other')).toBe(path.join(first, 'other'));
    expect(which('missing')).toBeUndefined();
  });
});

describe('pid files', () => {
  it('readPid: the pid of a live process; undefined for no file, garbage, or a process that is gone', () => {
    const dir = tmp();
    const file = path.join(dir, 'x.pid');
    expect(readPid(file)).toBeUndefined();
    fs.writeFileSync(file, 'not a pid\n');
    expect(readPid(file)).toBeUndefined();
    fs.writeFileSync(file, `${process.pid}\n`);
    expect(readPid(file)).toBe(process.pid);
    const gone = run(process.execPath, ['-e', 'console.log(process.pid)']).stdout.trim();
    fs.writeFileSync(file, `${gone}\n`);
    expect(pidAlive(Number(gone))).toBe(false);
    expect(readPid(file)).toBeUndefined();
  });

  it('startDaemon runs a detached process with its pid file and a log only its owner reads; stopDaemon stops it once', async () => {
    const dir = tmp();
    const files = { logFile: path.join(dir, 'logs', 'daemon.log'), pidFile: path.join(dir, 'daemon.pid') };
    const pid = startDaemon(process.execPath, ['-e', 'console.log("up"); setInterval(() => undefined, 1000)'], files);
    expect(readPid(files.pidFile)).toBe(pid);
    expect(fs.statSync(files.logFile).mode & 0o777).toBe(0o600);
    await waitUntil('the daemon to log', () => fs.readFileSync(files.logFile, 'utf8').includes('up'), { timeoutMs: 5000 });
    expect(await stopDaemon(files.pidFile, 'test daemon', 5000)).toBe(true);
    expect(pidAlive(pid)).toBe(false);
    expect(fs.existsSync(files.pidFile)).toBe(false);
    expect(await stopDaemon(files.pidFile, 'test daemon')).toBe(false);
  });
});

describe('waitUntil', () => {
  it('resolves as soon as the check holds', async () => {
    let calls = 0;
    await waitUntil('the third call', () => ++calls === 3, { timeoutMs: 5000 });
    expect(calls).toBe(3);
  });

  it('times out naming what it waited for, with the last lines of the log', async () => {
    const log = path.join(tmp(), 'server.log');
    fs.writeFileSync(log, Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n') + '\n');
    const error = (await waitUntil('the server', () => false, { timeoutMs: 50, logFile: log }).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/^timed out after 50 ms waiting for the server\n--- .*server\.log \(last lines\) ---\nline 6\n/);
    expect(error.message.endsWith('line 20')).toBe(true);
  });

  it('tailOf gives the last lines without the trailing newline', () => {
    const file = path.join(tmp(), 'f');
    fs.writeFileSync(file, 'a\nb\nc\n\n');
    expect(tailOf(file, 2)).toBe('b\nc');
  });
});

describe('portOpen', () => {
  it('true while something listens, false once it is gone', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    expect(await portOpen(port)).toBe(true);
    await new Promise((resolve) => server.close(resolve));
    expect(await portOpen(port)).toBe(false);
  });
});
