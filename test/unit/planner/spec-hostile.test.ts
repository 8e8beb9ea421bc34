/**
 * Property tests over the spec schema: validation returns problems (never
 * throws) whatever it is given, and no nginx or shell metacharacter survives
 * validation in any string that reaches a config file, a container name or a path.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateSpec } from '../../../src/planner/spec';
import { specDocument } from '../../support/specs';

const META = [';', '{', '}', '#', '$', "'", '"', '\n', '\r', ' ', '\\', '\0', '`'];
const hostileString = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.array(fc.constantFrom(...META, 'a', 'z', '0', '-', '/', '.', '..', 'web', 'X'), { maxLength: 12 }).map((parts) => parts.join('')),
  fc.constantFrom('web; return 500', 'web}', '../../etc', '/etc/passwd', 'a\nb', '$host', '"', 'app:v1;rm', 'X-A"; #'),
);

/** Where each config-reaching field lives in a document, and how to read it back from a validated spec. */
const fields: Array<{ name: string; put: (value: string) => Record<string, unknown>; get: (spec: Record<string, unknown>) => string[] }> = [
  { name: 'service', put: (v) => ({ service: v }), get: (s) => [s.service as string] },
  { name: 'image', put: (v) => ({ image: v }), get: (s) => [s.image as string] },
  { name: 'health.path', put: (v) => ({ health: { path: v } }), get: (s) => [(s.health as { path: string }).path] },
  {
    name: 'preview.header',
    put: (v) => ({ strategy: { type: 'blueGreen', preview: { header: v } } }),
    get: (s) => [(s.strategy as { preview: { header: string } }).preview.header],
  },
  {
    name: 'migrations.directory',
    put: (v) => ({ migrations: { directory: v } }),
    get: (s) => [(s.migrations as { directory: string }).directory],
  },
  {
    name: 'secrets',
    put: (v) => ({ secrets: [{ name: 'TOKEN', fromFile: v }] }),
    get: (s) => (s.secrets as Array<{ fromFile: string }>).map((x) => x.fromFile),
  },
  { name: 'env key', put: (v) => ({ env: { [v]: 'x' } }), get: (s) => Object.keys(s.env as object) },
];

describe('the spec schema against hostile input', () => {
  it('returns problems, never throws, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = validateSpec(value);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });

  it('returns problems, never throws, for any value in any field', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          'service',
          'image',
          'replicas',
          'port',
          'health',
          'strategy',
          'traffic',
          'env',
          'secrets',
          'migrations',
          'progressDeadline',
        ),
        fc.anything(),
        (field, value) => {
          expect(typeof validateSpec(specDocument({ [field]: value })).ok).toBe('boolean');
        },
      ),
      { numRuns: 500 },
    );
  });

  it.each(fields)('no metacharacter survives validation in $name', ({ put, get }) => {
    fc.assert(
      fc.property(hostileString, (value) => {
        const result = validateSpec(specDocument(put(value)));
        if (!result.ok) return;
        for (const accepted of get(result.spec)) {
          for (const meta of META)
            expect(accepted.includes(meta), `${JSON.stringify(accepted)} contains ${JSON.stringify(meta)}`).toBe(false);
          expect(accepted.split('/')).not.toContain('..');
        }
      }),
      { numRuns: 400 },
    );
  });
});
