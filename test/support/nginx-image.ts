/**
 * An nginx image built without a registry: the host's nginx binary, its Lua
 * modules, lua-resty-core and every library `ldd` lists, copied into a
 * FROM scratch image. For testing sluice against nginx in a container.
 */
import { execFileSync } from 'node:child_process';
import Docker from 'dockerode';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findNginx } from '../../src/stack/nginx';

export const NGINX_TEST_IMAGE = 'sluice-test-nginx:lua';

function sharedLibraries(binary: string): string[] {
  return execFileSync('ldd', [binary], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /=>\s*(\/\S+)/.exec(line)?.[1] ?? /^\s*(\/\S+)\s+\(/.exec(line)?.[1])
    .filter((file): file is string => !!file);
}

function copyInto(root: string, file: string): void {
  const target = path.join(root, file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(fs.realpathSync(file), target);
}

function filesUnder(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full, base) : [path.relative(base, full)];
  });
}

const CONFIG = `user root;
daemon off;
pid /run/nginx.pid;
error_log stderr warn;
worker_processes 2;
worker_shutdown_timeout 30s;
load_module /usr/lib/nginx/modules/ndk_http_module.so;
load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path /tmp/client_body;
    proxy_temp_path /tmp/proxy;
    fastcgi_temp_path /tmp/fastcgi;
    uwsgi_temp_path /tmp/uwsgi;
    scgi_temp_path /tmp/scgi;
    include /etc/nginx/conf.d/*.conf;
}
`;

export async function buildNginxImage(docker = new Docker()): Promise<string> {
  const { bin, modules } = findNginx();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-nginx-image-'));
  try {
    for (const file of [bin, ...modules]) copyInto(root, file);
    for (const library of new Set([bin, ...modules].flatMap(sharedLibraries))) copyInto(root, library);
    fs.cpSync('/usr/share/lua/5.1', path.join(root, 'usr/share/lua/5.1'), { recursive: true, dereference: true });
    for (const dir of ['etc/nginx/conf.d', 'tmp', 'run', 'var/log/nginx']) {
      fs.mkdirSync(path.join(root, dir), { recursive: true });
      fs.writeFileSync(path.join(root, dir, '.keep'), ''); // the build context carries files, not empty directories
    }
    fs.writeFileSync(path.join(root, 'etc/nginx/nginx.conf'), CONFIG);
    fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/:/bin/false\n');
    fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\n');
    fs.writeFileSync(path.join(root, 'Dockerfile'), `FROM scratch\nCOPY . /\nENTRYPOINT ["${bin}", "-c", "/etc/nginx/nginx.conf"]\n`);
    const stream = await docker.buildImage({ context: root, src: filesUnder(root) }, { t: NGINX_TEST_IMAGE, rm: true });
    const output: Array<{ error?: string }> = await new Promise((resolve, reject) =>
      docker.modem.followProgress(stream, (error: Error | null, result: Array<{ error?: string }>) =>
        error ? reject(error) : resolve(result),
      ),
    );
    const failed = output.find((line) => line.error);
    if (failed) throw new Error(`building ${NGINX_TEST_IMAGE} failed: ${failed.error}`);
    return NGINX_TEST_IMAGE;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
