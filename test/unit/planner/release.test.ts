import { describe, expect, it } from 'vitest';
import { releaseId } from '../../../src/planner/release';
import { makeSpec } from '../../support/specs';

describe('release ids', () => {
  it('are stable for the same container template and readable', () => {
    expect(releaseId(makeSpec())).toBe(releaseId(makeSpec({ replicas: 7, strategy: { type: 'canary', steps: [{ setWeight: 5 }] } })));
    expect(releaseId(makeSpec())).toMatch(/^v2-[0-9a-f]{8}$/);
  });

  it('change when anything that shapes the containers changes', () => {
    const base = releaseId(makeSpec());
    expect(releaseId(makeSpec({ image: 'sluice-fixture:v3' }))).not.toBe(base);
    expect(releaseId(makeSpec({ env: { A: '1' } }))).not.toBe(base);
    expect(releaseId(makeSpec({ port: 9090 }))).not.toBe(base);
    expect(releaseId(makeSpec({ secrets: [{ name: 'TOKEN', fromEnv: 'TOKEN' }] }))).not.toBe(base);
  });

  it('follow what the worker resolved: a moved tag (new image id) or a rotated secret (new digest) is a new release', () => {
    const spec = makeSpec({ image: 'registry.example.com/app:latest', secrets: [{ name: 'TOKEN', fromEnv: 'TOKEN' }] });
    const image = (id: string, pinned: string) => ({ reference: spec.image, id, pinned, source: 'pulled' as const });
    const before = releaseId(spec, { image: image('sha256:aaa', 'registry.example.com/app@sha256:111'), secretsDigest: 'd1' });
    expect(releaseId(spec, { image: image('sha256:bbb', 'registry.example.com/app@sha256:222'), secretsDigest: 'd1' })).not.toBe(before);
    expect(releaseId(spec, { image: image('sha256:aaa', 'registry.example.com/app@sha256:111'), secretsDigest: 'd2' })).not.toBe(before);
    // The same content, built on the host or pulled from a registry, is one release.
    expect(releaseId(spec, { image: image('sha256:aaa', 'sha256:aaa'), secretsDigest: 'd1' })).toBe(before);
    expect(before).toMatch(/^latest-[0-9a-f]{8}$/);
  });

  it('do not depend on the order of env keys', () => {
    expect(releaseId(makeSpec({ env: { A: '1', B: '2' } }))).toBe(releaseId(makeSpec({ env: { B: '2', A: '1' } })));
  });

  it('are safe in container and nginx names for any image reference', () => {
    expect(releaseId(makeSpec({ image: `sha256:${'ab'.repeat(32)}` }))).toMatch(/^id-abababa-[0-9a-f]{8}$/);
    for (const image of [
      'registry.example.com:5000/team/app:Feature_Branch.42',
      'app@sha256:' + 'ab'.repeat(32),
      'app',
      'app:' + 'x'.repeat(100),
      `sha256:${'cd'.repeat(32)}`,
    ]) {
      expect(releaseId(makeSpec({ image }))).toMatch(/^[a-z0-9](?:[a-z0-9-]{0,24})-[0-9a-f]{8}$/);
    }
  });
});
