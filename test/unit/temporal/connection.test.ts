import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporalSettings, workflowUrl } from '../../../src/temporal/connection';

describe('temporalSettings', () => {
  it('a local dev server by default: no TLS, no API key', () => {
    expect(temporalSettings({})).toEqual({ address: 'localhost:7233', namespace: 'default' });
  });

  it('an API key (Temporal Cloud) turns TLS on', () => {
    expect(
      temporalSettings({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'ns.acct', TEMPORAL_API_KEY: 'k' }),
    ).toEqual({ address: 'ns.acct.tmprl.cloud:7233', namespace: 'ns.acct', tls: {}, apiKey: 'k' });
    expect(temporalSettings({ TEMPORAL_TLS: 'true', TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' })).toMatchObject({
      tls: { serverNameOverride: 'temporal.internal' },
    });
  });

  it('mTLS reads the certificate, key and CA files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-tls-'));
    for (const name of ['crt', 'key', 'ca']) fs.writeFileSync(path.join(dir, name), `${name}-pem`);
    const settings = temporalSettings({
      TEMPORAL_TLS_CERT: path.join(dir, 'crt'),
      TEMPORAL_TLS_KEY: path.join(dir, 'key'),
      TEMPORAL_TLS_CA: path.join(dir, 'ca'),
    });
    expect(settings.tls?.clientCertPair?.crt.toString()).toBe('crt-pem');
    expect(settings.tls?.clientCertPair?.key.toString()).toBe('key-pem');
    expect(settings.tls?.serverRootCACertificate?.toString()).toBe('ca-pem');
  });

  it('a certificate without its key, or a file that cannot be read, names the variable', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-tls-'));
    fs.writeFileSync(path.join(dir, 'crt'), 'pem');
    expect(() => temporalSettings({ TEMPORAL_TLS_CERT: path.join(dir, 'crt') })).toThrow(
      'set both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY (the client certificate and its key), or neither',
    );
    expect(() => temporalSettings({ TEMPORAL_TLS_CA: '/nonexistent/ca.pem' })).toThrow(
      'TEMPORAL_TLS_CA=/nonexistent/ca.pem cannot be read (ENOENT): point it at the PEM file',
    );
  });
});

describe('workflowUrl', () => {
  const local = { address: '127.0.0.1:7233', namespace: 'default' };

  it('SLUICE_TEMPORAL_UI wins (without a doubled slash); ids and namespaces are encoded', () => {
    expect(workflowUrl({ address: 'x:1', namespace: 'team a' }, 'deploy/web', { SLUICE_TEMPORAL_UI: 'https://ui.example/' })).toBe(
      'https://ui.example/namespaces/team%20a/workflows/deploy%2Fweb',
    );
  });

  it("Temporal Cloud's UI for a cloud address; the dev server's UI (port + 1000) next to a local one; nothing otherwise", () => {
    expect(workflowUrl({ address: 'ns.acct.tmprl.cloud:7233', namespace: 'ns.acct' }, 'deploy/web', {})).toBe(
      'https://cloud.temporal.io/namespaces/ns.acct/workflows/deploy%2Fweb',
    );
    expect(workflowUrl(local, 'deploy/web', {})).toBe('http://127.0.0.1:8233/namespaces/default/workflows/deploy%2Fweb');
    expect(workflowUrl({ ...local, address: 'localhost:17233' }, 'deploy/web', {})).toBe(
      'http://localhost:18233/namespaces/default/workflows/deploy%2Fweb',
    );
    expect(workflowUrl({ ...local, address: 'temporal.internal:7233' }, 'deploy/web', {})).toBeUndefined();
  });
});
