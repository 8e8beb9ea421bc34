import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startNginx, stopNginx } from '../../../src/stack/nginx';
import { freePort, getFresh, stackValue } from '../../support/stack';

/** Processes whose parent is `pid` (nginx's workers and cache helpers). */
function childrenOf(pid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((child) => {
      const status = readIfAlive(`/proc/${child}/status`); // a process may exit while we look
      return Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) === pid;
    });
}

function readIfAlive(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The real uid of a process. */
function uidOf(pid: number): number {
  return Number(/^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

/** The foundation: an nginx of our own (with the Lua module), configured and reloaded. */
describe('nginx from the stack', () => {
  stackValue('SLUICE_NGINX_BIN');
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-nginx-test-'));
  afterAll(async () => {
    await stopNginx(prefix);
    fs.rmSync(prefix, { recursive: true, force: true });
  });

  const serve = (port: number, body: string) =>
    `server {\n  listen 127.0.0.1:${port};\n  location / { default_type text/plain; content_by_lua_block { ngx.say("${body}") } }\n}\n`;

  it('starts with a config of ours, serves it, and picks up a change on reload', async () => {
    const port = await freePort();
    fs.mkdirSync(path.join(prefix, 'conf.d'), { recursive: true });
    fs.writeFileSync(path.join(prefix, 'conf.d', 'probe.conf'), serve(port, 'first'));
    const instance = await startNginx(prefix);
    expect(instance.modules.some((m) => m.endsWith('ngx_http_lua_module.so'))).toBe(true);
    expect((await getFresh(`http://127.0.0.1:${port}/`)).body).toBe('first\n');

    fs.writeFileSync(path.join(prefix, 'conf.d', 'probe.conf'), serve(port, 'second'));
    await startNginx(prefix); // idempotent: checks the config and reloads the running instance
    // Old workers may still accept a few connections while they exit: wait for 20 new answers in a row.
    const deadline = Date.now() + 10_000;
    let streak = 0;
    while (Date.now() < deadline && streak < 20)
      streak = (await getFresh(`http://127.0.0.1:${port}/`)).body === 'second\n' ? streak + 1 : 0;
    expect(streak).toBe(20);
  });

  it('runs its workers unprivileged, even when the stack runs as root', () => {
    const master = Number(fs.readFileSync(path.join(prefix, 'nginx.pid'), 'utf8').trim());
    const workers = childrenOf(master);
    expect(workers.length).toBeGreaterThan(0);
    for (const worker of workers) expect(uidOf(worker)).not.toBe(0);
  });

  it('takes request bodies larger than its memory buffer (the workers can write their temp files)', async () => {
    const port = await freePort();
    fs.writeFileSync(
      path.join(prefix, 'conf.d', 'upload.conf'),
      [
        'server {',
        `  listen 127.0.0.1:${port};`,
        '  client_max_body_size 4m;',
        '  location / { content_by_lua_block { ngx.req.read_body(); local f = ngx.req.get_body_file(); ngx.say(f and "on disk" or "in memory") } }',
        '}',
      ].join('\n'),
    );
    await startNginx(prefix);
    const body = 'x'.repeat(1024 * 1024);
    const deadline = Date.now() + 10_000;
    let answer: Response | undefined;
    while (Date.now() < deadline && answer?.status !== 200) {
      answer = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body }).catch(() => undefined);
    }
    expect(answer?.status).toBe(200);
    expect(await answer!.text()).toBe('on disk\n');
    fs.rmSync(path.join(prefix, 'conf.d', 'upload.conf'));
  });

  it('refuses a broken config without touching the running instance', async () => {
    const port = Number(/listen 127\.0\.0\.1:(\d+)/.exec(fs.readFileSync(path.join(prefix, 'conf.d', 'probe.conf'), 'utf8'))![1]);
    fs.writeFileSync(path.join(prefix, 'conf.d', 'broken.conf'), 'server { listen 127.0.0.1:1; this is not nginx }\n');
    await expect(startNginx(prefix)).rejects.toThrow(/nginx -t failed/);
    fs.rmSync(path.join(prefix, 'conf.d', 'broken.conf'));
    expect((await getFresh(`http://127.0.0.1:${port}/`)).body).toBe('second\n');
  });
});
