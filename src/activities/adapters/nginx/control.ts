/**
 * How sluice checks and reloads the nginx that routes its traffic: a process on
 * the worker's host (signals through `nginx -s reload`), or a container
 * (`nginx -t` by exec, reload by SIGHUP, both through dockerode).
 */
import { spawnSync } from 'node:child_process';
import type Docker from 'dockerode';
import { demuxLogs } from '../docker/logs';

export interface NginxCheck {
  ok: boolean;
  output: string;
}

export interface NginxControl {
  /** `nginx -t`: is the whole configuration, as on disk now, valid? */
  test(): Promise<NginxCheck>;
  /** Graceful reload: new workers take the new config, old ones finish their requests. */
  reload(): Promise<void>;
  /** What `nginx -v` prints: "nginx/1.22.1". */
  version(): Promise<string>;
}

/** "nginx version: nginx/1.22.1" (on stderr) → "nginx/1.22.1". */
export function nginxVersionIn(output: string): string {
  return /nginx version: (\S+)/.exec(output)?.[1] ?? `unknown (${output.trim() || 'no output'})`;
}

export class HostNginx implements NginxControl {
  constructor(private readonly options: { bin: string; prefix?: string; configFile?: string }) {}

  private args(extra: string[]): string[] {
    const { prefix, configFile } = this.options;
    return [...(prefix ? ['-p', prefix] : []), ...(configFile ? ['-c', configFile] : []), ...extra];
  }

  async test(): Promise<NginxCheck> {
    const result = spawnSync(this.options.bin, this.args(['-t']), { encoding: 'utf8' });
    return {
      ok: result.status === 0,
      output: `${result.stderr ?? ''}${result.stdout ?? ''}${result.error ? result.error.message : ''}`.trim(),
    };
  }

  async reload(): Promise<void> {
    const result = spawnSync(this.options.bin, this.args(['-s', 'reload']), { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`nginx -s reload failed: ${(result.stderr || result.error?.message || '').trim()}`);
  }

  async version(): Promise<string> {
    const result = spawnSync(this.options.bin, ['-v'], { encoding: 'utf8' });
    return nginxVersionIn(`${result.stderr ?? ''}${result.stdout ?? ''}${result.error ? result.error.message : ''}`);
  }
}

export class ContainerNginx implements NginxControl {
  constructor(
    private readonly docker: Docker,
    private readonly container: string,
  ) {}

  async test(): Promise<NginxCheck> {
    return this.exec(['nginx', '-t']);
  }

  async version(): Promise<string> {
    return nginxVersionIn((await this.exec(['nginx', '-v'])).output);
  }

  private async exec(Cmd: string[]): Promise<NginxCheck> {
    const exec = await this.docker.getContainer(this.container).exec({ Cmd, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    const { ExitCode } = await exec.inspect();
    return { ok: ExitCode === 0, output: demuxLogs(Buffer.concat(chunks)).trim() };
  }

  async reload(): Promise<void> {
    await this.docker.getContainer(this.container).kill({ signal: 'HUP' });
  }
}
