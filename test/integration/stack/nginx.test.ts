import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startNginx, stopNginx } from '../../../src/stack/nginx';
import { freePort, getFresh, stackValue } from '../../support/stack';

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
    while (Date.now() < deadline && streak < 20) streak = (await getFresh(`http://127.0.0.1:${port}/`)).body === 'second\n' ? streak + 1 : 0;
    expect(streak).toBe(20);
  });

  it('refuses a broken config without touching the running instance', async () => {
    const port = Number(/listen 127\.0\.0\.1:(\d+)/.exec(fs.readFileSync(path.join(prefix, 'conf.d', 'probe.conf'), 'utf8'))![1]);
    fs.writeFileSync(path.join(prefix, 'conf.d', 'broken.conf'), 'server { listen 127.0.0.1:1; this is not nginx }\n');
    await expect(startNginx(prefix)).rejects.toThrow(/nginx -t failed/);
    fs.rmSync(path.join(prefix, 'conf.d', 'broken.conf'));
    expect((await getFresh(`http://127.0.0.1:${port}/`)).body).toBe('second\n');
  });
});
