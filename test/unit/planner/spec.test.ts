import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { specJsonSchema, validateSpec } from '../../../src/planner/spec';
import { expectProblems, specDocument, specProblems as problems } from '../../support/specs';

describe('valid specs', () => {
  it('fills defaults and converts durations to milliseconds', () => {
    const result = validateSpec({
      service: 'web',
      image: 'app:v1',
      replicas: 2,
      port: 8080,
      health: { path: '/ready' },
      strategy: { type: 'rolling' },
      traffic: { listenPort: 8000 },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.spec).toMatchObject({
      env: {},
      secrets: [],
      stopGracePeriod: 10_000,
      progressDeadline: 600_000,
      health: {
        expectStatus: 200,
        interval: 1000,
        timeout: 1000,
        healthyThreshold: 1,
        unhealthyThreshold: 3,
        startPeriod: 10_000,
        useDockerHealthcheck: false,
      },
      strategy: { type: 'rolling', maxSurge: 1, maxUnavailable: 0, order: 'start-first', batchDelay: 0 },
      traffic: { listenPort: 8000, drainTimeout: 30_000 },
    });
  });

  it.each([
    ['registry.example.com:5000/team/app:v2.1-rc_3', 'a registry with a port, a path and a tag'],
    ['app@sha256:' + '0'.repeat(64), 'a digest'],
    ['localhost/app', 'a host without a dot'],
    ['library/postgres:15', 'a two-component path'],
  ])('accepts the image %s (%s)', (image) => {
    expect(validateSpec(specDocument({ image })).ok).toBe(true);
  });

  it('accepts every strategy (the test beside each strategy covers its options)', () => {
    for (const type of ['rolling', 'blueGreen', 'recreate'])
      expect(validateSpec(specDocument({ strategy: { type } })), type).toMatchObject({ ok: true });
    expect(validateSpec(specDocument({ strategy: { type: 'canary', steps: [{ setWeight: 10 }] } }))).toMatchObject({ ok: true });
  });

  it('converts env numbers and booleans to strings, as compose does', () => {
    const result = validateSpec(specDocument({ env: { PORT: 8080, DEBUG: true } }));
    expect(result.ok && result.spec.env).toEqual({ PORT: '8080', DEBUG: 'true' });
  });
});

describe('invalid specs: every problem at once, with its field path', () => {
  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    [
      'nginx metacharacters in the service name',
      { service: 'web;} server {' },
      [
        'service: expected a lowercase name of letters, digits and "-", starting with a letter, at most 40 characters (it becomes part of container and nginx names) (found "web;} server {")',
      ],
    ],
    ['an uppercase service name', { service: 'Web' }, ['service: expected a lowercase name']],
    ['an invalid image reference', { image: 'team/UPPER:tag' }, ['image: expected a Docker image reference']],
    ['an image with a newline', { image: 'app:v1\nmalicious' }, ['image: expected a Docker image reference']],
    ['negative replicas', { replicas: -1 }, ['replicas: expected at least 1 replica (found -1)']],
    ['huge replica counts', { replicas: 100_000 }, ['replicas: expected at most 100 replicas']],
    ['fractional replicas', { replicas: 1.5 }, ['replicas: expected a whole number (found 1.5)']],
    ['a port out of range', { port: 70000 }, ['port: expected a port from 1 to 65535 (found 70000)']],
    ['a wrong type', { replicas: 'three' }, ['replicas: expected a number of replicas (found "three")']],
    ['an unknown field', { replcas: 3 }, ['replcas: unknown field (check the spelling against docs/spec.md)']],
    ['an unknown nested field', { health: { path: '/ready', intervl: '1s' } }, ['health.intervl: unknown field']],
    [
      'a health interval too long for a health wait',
      { health: { path: '/ready', interval: '5m' } },
      ['health.interval: expected from 100ms to 1m (found "5m")'],
    ],
    ['a health timeout of zero', { health: { path: '/ready', timeout: '0s' } }, ['health.timeout: expected from 100ms to 1m (found "0s")']],
    [
      'a health interval that would overflow a timer',
      { health: { path: '/ready', interval: '600h' } },
      ['health.interval: expected from 100ms to 1m (found "600h")'],
    ],
    [
      'a drain timeout of years',
      { traffic: { listenPort: 18080, drainTimeout: '100000h' } },
      ['traffic.drainTimeout: expected at most 1h (found "100000h")'],
    ],
    ['a progress deadline of zero', { progressDeadline: '0s' }, ['progressDeadline: expected']],
    ['a missing required field', { traffic: {} }, ['traffic.listenPort: expected a TCP port number; the field is required']],
    [
      'an unknown strategy',
      { strategy: { type: 'yolo' } },
      ['strategy.type: expected strategy.type to be one of rolling, blueGreen, canary, recreate (found "yolo")'],
    ],
    [
      'a bad duration',
      { stopGracePeriod: '10 seconds' },
      ['stopGracePeriod: expected a duration like "10s" (units ms, s, m, h) (found "10 seconds")'],
    ],
    [
      'a bad per-phase deadline',
      { progressDeadline: { default: '10m', starting: 'soon' } },
      ['progressDeadline.starting: expected a duration like "2m"'],
    ],
    ['an invalid env name', { env: { 'BAD-NAME': 'x' } }, ['env.BAD-NAME: not a valid environment variable name']],
    [
      'a secret with its value instead of a reference',
      { secrets: [{ name: 'TOKEN', value: 'hunter2' }] },
      ['secrets[0].value: unknown field'],
    ],
    [
      'a secret with two sources',
      { secrets: [{ name: 'TOKEN', fromEnv: 'A', fromFile: 't' }] },
      ['secrets[0]: set exactly one of fromEnv or fromFile'],
    ],
    [
      'a secret file path with traversal',
      { secrets: [{ name: 'TOKEN', fromFile: '/run/../etc/shadow' }] },
      ["secrets[0].fromFile: expected a file name in the service's secrets directory"],
    ],
    [
      'a secret named like an env var',
      { env: { TOKEN: 'a' }, secrets: [{ name: 'TOKEN', fromEnv: 'T' }] },
      ['secrets[0].name: "TOKEN" is set twice'],
    ],
    [
      'path traversal in migrations',
      { migrations: { directory: '../../etc' } },
      ['migrations.directory: expected a relative directory like "migrations" (no "..", no leading /)'],
    ],
    [
      'an absolute migrations directory',
      { migrations: { directory: '/etc/passwd' } },
      ['migrations.directory: expected a relative directory'],
    ],
    ['a health path with a space', { health: { path: '/ready now' } }, ['health.path: expected an HTTP path starting with /']],
    ['a health path with a ".." segment', { health: { path: '/app/..' } }, ['health.path: expected an HTTP path starting with /']],
    [
      'no readiness check at all',
      { health: {} },
      ['health.path: set health.path (an HTTP readiness endpoint) or health.useDockerHealthcheck: true'],
    ],
  ];

  it.each(cases)('%s', (_name, overrides, expected) => expectProblems(overrides, expected));

  it('reports several mistakes together', () => {
    const found = problems(
      specDocument({
        service: 'Bad Name',
        replicas: 0,
        port: 'http',
        strategy: { type: 'canary', steps: [{ setWeight: 120 }] },
        extra: true,
      }),
    );
    expect(found.map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining(['service', 'replicas', 'port', 'strategy.steps[0].setWeight', 'extra']),
    );
    expect(found).toHaveLength(5);
  });

  it.each([
    ['an empty document', null, '(spec): expected a mapping of fields like "service: web" (found null)'],
    ['a list', [1, 2], '(spec): expected a mapping'],
    ['a string', 'service: web', '(spec): expected a mapping'],
  ])('rejects %s', (_name, document, message) => {
    expect(problems(document)[0]).toContain(message);
  });
});

describe('the JSON Schema shipped for editors', () => {
  it('is generated from the same schema (docs/spec.schema.json is current: npm run schema)', () => {
    const shipped = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../docs/spec.schema.json'), 'utf8'));
    expect(shipped).toEqual(specJsonSchema());
  });
});
