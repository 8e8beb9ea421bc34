import { describe, expect, it } from 'vitest';
import { stackSettings } from '../../../src/stack/settings';

describe('stackSettings', () => {
  it('default to the documented loopback ports under .sluice', () => {
    const settings = stackSettings({}, '/repo');
    expect(settings).toEqual({
      stateDir: '/repo/.sluice',
      temporal: { port: 7233, uiPort: 8233, namespace: 'default' },
      postgres: { port: 55432, database: 'sluice', user: 'sluice' },
      nginx: { adminPort: 9180 },
      registry: { port: 55000 },
    });
  });

  it('every port, the namespace and the state dir (relative to the checkout, or absolute) come from env; an empty value is the default', () => {
    const settings = stackSettings(
      {
        SLUICE_STATE_DIR: 'state',
        TEMPORAL_NAMESPACE: 'dev',
        SLUICE_TEMPORAL_PORT: '17233',
        SLUICE_TEMPORAL_UI_PORT: '18233',
        SLUICE_POSTGRES_PORT: '15432',
        SLUICE_NGINX_ADMIN_PORT: '19180',
        SLUICE_REGISTRY_PORT: '',
      },
      '/repo',
    );
    expect(settings).toEqual({
      stateDir: '/repo/state',
      temporal: { port: 17233, uiPort: 18233, namespace: 'dev' },
      postgres: { port: 15432, database: 'sluice', user: 'sluice' },
      nginx: { adminPort: 19180 },
      registry: { port: 55000 },
    });
    expect(stackSettings({ SLUICE_STATE_DIR: '/var/lib/sluice' }, '/repo').stateDir).toBe('/var/lib/sluice');
  });

  it('name the variable and the fix when a port is not a port', () => {
    expect(() => stackSettings({ SLUICE_TEMPORAL_PORT: 'seven' }, '/repo')).toThrow(
      'SLUICE_TEMPORAL_PORT=seven is not a TCP port: set it to a whole number from 1 to 65535',
    );
    expect(() => stackSettings({ SLUICE_POSTGRES_PORT: '70000' }, '/repo')).toThrow(/SLUICE_POSTGRES_PORT=70000/);
    expect(() => stackSettings({ SLUICE_NGINX_ADMIN_PORT: '0' }, '/repo')).toThrow(/SLUICE_NGINX_ADMIN_PORT=0/);
    expect(() => stackSettings({ SLUICE_REGISTRY_PORT: '80.5' }, '/repo')).toThrow(/SLUICE_REGISTRY_PORT=80\.5/);
  });
});
