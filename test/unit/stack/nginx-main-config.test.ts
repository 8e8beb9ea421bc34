import { describe, expect, it } from 'vitest';
import { renderMainConfig } from '../../../src/stack/nginx-main-config';

describe('nginx main config', () => {
  it('renders the main config of an nginx sluice runs itself, with a bounded worker shutdown', () => {
    expect(
      renderMainConfig({
        prefix: '/srv/sluice/nginx',
        confDir: '/srv/sluice/nginx/conf.d',
        modules: ['/usr/lib/nginx/modules/ndk_http_module.so', '/usr/lib/nginx/modules/ngx_http_lua_module.so'],
      }),
    ).toMatchSnapshot();
  });

  it('renders the main config for a root master: workers as the given user, temp files where they can reach', () => {
    const text = renderMainConfig({
      prefix: '/srv/sluice/nginx',
      confDir: '/srv/sluice/nginx/conf.d',
      modules: [],
      user: 'www-data www-data',
      tempDir: '/var/lib/sluice/nginx/abc',
    });
    expect(text).toMatch(/^user www-data www-data;$/m);
    expect(text.match(/_temp_path \S+;/g)).toEqual(
      ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `_temp_path /var/lib/sluice/nginx/abc/${kind};`),
    );
  });
});
