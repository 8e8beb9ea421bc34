import { NativeConnection } from '@temporalio/worker';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, temporalSettings } from '../../../src/temporal/connection';
import { stackValue } from '../../support/stack';
import { makeCertificates, mutualTlsProxy, type Certificates } from '../../support/tls';

/**
 * The Temporal connection over mutual TLS, configured only from the documented
 * variables, for the CLI's client and the worker's native connection. The dev
 * server speaks plain gRPC, so a TLS terminator (client certificates required)
 * stands in front of it, as a load balancer would in front of a cluster.
 */
let certs: Certificates;
let proxy: Awaited<ReturnType<typeof mutualTlsProxy>>;

beforeAll(async () => {
  certs = makeCertificates();
  proxy = await mutualTlsProxy(certs, { port: Number(stackValue('TEMPORAL_ADDRESS').split(':')[1]) }, ['h2']);
});
afterAll(() => {
  proxy?.close();
  fs.rmSync(certs.dir, { recursive: true, force: true });
});

describe('Temporal over mutual TLS', () => {
  const env = () => ({
    TEMPORAL_ADDRESS: `127.0.0.1:${proxy.port}`,
    TEMPORAL_TLS_CERT: certs.cert,
    TEMPORAL_TLS_KEY: certs.key,
    TEMPORAL_TLS_CA: certs.ca,
    TEMPORAL_TLS_SERVER_NAME: 'localhost',
  });

  it('the CLI client connects with TEMPORAL_TLS_CERT, _KEY, _CA and _SERVER_NAME', async () => {
    const settings = temporalSettings(env());
    expect(settings.tls?.clientCertPair).toBeDefined();
    const client = await connectClient(settings);
    const info = await client.workflowService.getSystemInfo({});
    expect(info.serverVersion).toMatch(/\d+\.\d+/);
    await client.connection.close();
  });

  it('the worker connects the same way', async () => {
    const settings = temporalSettings(env());
    const connection = await NativeConnection.connect({ address: settings.address, tls: settings.tls! });
    await connection.close();
  });

  it('is refused without the client certificate', async () => {
    const settings = temporalSettings({
      TEMPORAL_ADDRESS: `127.0.0.1:${proxy.port}`,
      TEMPORAL_TLS_CA: certs.ca,
      TEMPORAL_TLS_SERVER_NAME: 'localhost',
    });
    await expect(connectClient(settings).then((c) => c.workflowService.getSystemInfo({}))).rejects.toThrow();
  });

  it('says what is missing when only half a certificate pair is set, and when a file cannot be read', () => {
    expect(() => temporalSettings({ TEMPORAL_TLS_CERT: certs.cert })).toThrow(
      'set both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY (the client certificate and its key), or neither',
    );
    expect(() => temporalSettings({ TEMPORAL_TLS_CA: '/nope.pem' })).toThrow(
      'TEMPORAL_TLS_CA=/nope.pem cannot be read (ENOENT): point it at the PEM file',
    );
  });

  it('an API key turns TLS on (Temporal Cloud)', () => {
    expect(temporalSettings({ TEMPORAL_API_KEY: 'k', TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233' })).toMatchObject({
      apiKey: 'k',
      tls: {},
    });
  });
});
