import { describe, expect, it } from 'vitest';
import {
  portsOf,
  previewDigest,
  renderAdminLocation,
  renderCoreConfig,
  renderServiceConfig,
  serviceConfigName,
  serviceOfConfigName,
} from '../../../../../src/activities/adapters/nginx/render';

const layout = { confDir: '/etc/nginx/conf.d', adminPort: 9180, listenAddress: '0.0.0.0' };

describe('nginx config renderers', () => {
  it('render the core config: shared dicts, Lua path, state dir, loopback-only admin endpoint', () => {
    expect(renderCoreConfig(layout)).toMatchSnapshot();
  });

  it('render a service: Lua-balanced upstream with keep-alive, release header, retries on connect errors only', () => {
    expect(renderServiceConfig(layout, 'web', { listenPort: 8000 })).toMatchSnapshot();
  });

  it('render the blue-green preview as a header route and as a second listener', () => {
    expect(renderServiceConfig(layout, 'web', { listenPort: 8000, preview: { header: 'X-Preview', listenPort: 8001 } })).toMatchSnapshot();
  });

  it("render the preview header's secret value as its digest only: the config never holds the value", () => {
    const config = renderServiceConfig(layout, 'web', {
      listenPort: 8000,
      preview: { header: 'X-Preview', headerValue: 'let-me-preview' },
    });
    expect(config).toContain(`choose("web", "http_x_preview", "${previewDigest('let-me-preview')}")`);
    expect(config).not.toContain('let-me-preview');
  });

  it('render extra listen ports on the same server, and record every port in a line sluice reads back', () => {
    const config = renderServiceConfig(layout, 'web', { listenPort: 8000, extraListenPorts: [8002], preview: { listenPort: 8001 } });
    expect(config.match(/listen [^;]+;/g)).toEqual(['listen 0.0.0.0:8000;', 'listen 0.0.0.0:8002;', 'listen 0.0.0.0:8001;']);
    expect(portsOf(config)).toEqual({ traffic: [8000, 8002], preview: 8001 });
    expect(portsOf(renderServiceConfig(layout, 'web', { listenPort: 8000 }))).toEqual({ traffic: [8000] });
    expect(portsOf('upstream x { server 0.0.0.1:1; }')).toBeUndefined();
    // A config written by a sluice from before the ports line: its listen directives say the same.
    const older = renderServiceConfig(layout, 'web', { listenPort: 8000, preview: { listenPort: 8001 } }).replace(
      /^# sluice-ports: .*\n/m,
      '',
    );
    expect(older).not.toContain('sluice-ports');
    expect(portsOf(older)).toEqual({ traffic: [8000], preview: 8001 });
    expect(serviceOfConfigName(serviceConfigName('my-web'))).toBe('my-web');
    expect(serviceOfConfigName('00-sluice-core.conf')).toBeUndefined();
  });

  it.each([
    ['a service name with config syntax', () => renderServiceConfig(layout, 'web; }', { listenPort: 8000 })],
    [
      'a header with config syntax',
      () => renderServiceConfig(layout, 'web', { listenPort: 8000, preview: { header: 'X-A"; return 500; #' } }),
    ],
    ['a port out of range', () => renderServiceConfig(layout, 'web', { listenPort: 70000 })],
    [
      'a listen address with spaces',
      () => renderServiceConfig({ ...layout, listenAddress: '0.0.0.0 default_server' }, 'web', { listenPort: 8000 }),
    ],
    ['a conf dir with quotes', () => renderCoreConfig({ ...layout, confDir: '/etc/nginx/"; evil' })],
    ['a config hash that is not hex', () => renderAdminLocation('web', 'abc"; }')],
  ])('refuse %s', (_name, render) => {
    expect(render).toThrow(/refusing/);
  });
});
