import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { specJsonSchema, validateSpec } from '../../../src/shared/spec';
import { specDocument } from '../../support/specs';

function problems(document: unknown): string[] {
  const result = validateSpec(document);
  if (result.ok) throw new Error('expected the spec to be invalid');
  return result.problems.map((p) => `${p.path}: ${p.message}`);
}

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

  it('accepts every strategy with its options', () => {
    for (const strategy of [
      { type: 'rolling', maxSurge: '25%', maxUnavailable: 1, order: 'stop-first', batchDelay: '10s' },
      { type: 'blueGreen', preview: { listenPort: 18081, header: 'X-Preview' }, autoPromoteAfter: '5m', scaleDownDelay: '30s' },
      {
        type: 'canary',
        steps: [
          { setWeight: 10 },
          { pause: { duration: '1m' } },
          { analysis: { maxErrorRate: 0.05, maxLatencyP99: '300ms' } },
          { setWeight: 50 },
          { pause: {} },
        ],
      },
      { type: 'recreate' },
    ]) {
      expect(validateSpec(specDocument({ strategy })), JSON.stringify(strategy)).toMatchObject({ ok: true });
    }
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
    [
      'a canary pause longer than a week',
      { strategy: { type: 'canary', steps: [{ pause: { duration: '200h' } }] } },
      ['strategy.steps[0].pause.duration: expected at most 168h (found "200h")'],
    ],
    ['a progress deadline of zero', { progressDeadline: '0s' }, ['progressDeadline: expected']],
    ['a missing required field', { traffic: {} }, ['traffic.listenPort: expected a TCP port number; the field is required']],
    [
      'an unknown strategy',
      { strategy: { type: 'yolo' } },
      ['strategy.type: expected strategy.type to be one of rolling, blueGreen, canary, recreate (found "yolo")'],
    ],
    [
      'a bad maxSurge',
      { strategy: { type: 'rolling', maxSurge: 'lots' } },
      ['strategy.maxSurge: expected a count like 1 or a percentage like "25%" (found "lots")'],
    ],
    [
      'a bad order',
      { strategy: { type: 'rolling', order: 'sideways' } },
      ['strategy.order: expected "start-first" or "stop-first" (found "sideways")'],
    ],
    [
      'canary weights outside 0..100 and not increasing',
      { strategy: { type: 'canary', steps: [{ setWeight: 50 }, { setWeight: 20 }, { setWeight: 150 }] } },
      [
        'strategy.steps[2].setWeight: expected a weight from 0 to 100 (found 150)',
        'strategy.steps[1].setWeight: weights must increase: 20 follows 50 (found 20)',
      ],
    ],
    [
      'a canary step with two actions',
      { strategy: { type: 'canary', steps: [{ setWeight: 10, pause: {} }] } },
      ['strategy.steps[0]: each canary step is exactly one of setWeight, pause or analysis'],
    ],
    ['an empty canary', { strategy: { type: 'canary', steps: [] } }, ['strategy.steps: a canary needs at least one step']],
    [
      'an error rate above 1',
      { strategy: { type: 'canary', steps: [{ analysis: { maxErrorRate: 5 } }] } },
      ['strategy.steps[0].analysis.maxErrorRate: expected a fraction from 0 to 1'],
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
    [
      'no readiness check at all',
      { health: {} },
      ['health.path: set health.path (an HTTP readiness endpoint) or health.useDockerHealthcheck: true'],
    ],
    [
      'a preview header with nginx syntax',
      { strategy: { type: 'blueGreen', preview: { header: 'X-A; return 500' } } },
      ['strategy.preview.header: expected a header name like X-Preview'],
    ],
    [
      'a preview on the main port',
      { strategy: { type: 'blueGreen', preview: { listenPort: 18080 } } },
      ['strategy.preview.listenPort: must differ from traffic.listenPort'],
    ],
  ];

  it.each(cases)('%s', (_name, overrides, expected) => {
    const found = problems(specDocument(overrides));
    for (const line of expected)
      expect(
        found.some((p) => p.startsWith(line)),
        `${line}\nin\n${found.join('\n')}`,
      ).toBe(true);
  });

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
