/**
 * A release is one container template of a service: image plus everything that
 * changes the containers. Its id is derived from the template, so deploying the
 * same spec twice targets the same release (and plans nothing), and a retried
 * deployment finds the containers an earlier attempt started.
 */
import type { ContainerTemplate, Resolution } from '../domain';
import type { DeploymentSpec } from './spec';

/** The parts of a spec that shape the containers (not health, strategy or traffic), with what the worker resolved. */
export function containerTemplate(spec: DeploymentSpec, resolution: Resolution = {}): ContainerTemplate {
  return {
    image: spec.image,
    ...(resolution.image ? { imageId: resolution.image.id, pinnedImage: resolution.image.pinned } : {}),
    ...(resolution.secretsDigest ? { secretsDigest: resolution.secretsDigest } : {}),
    port: spec.port,
    env: spec.env,
    secrets: spec.secrets,
    command: spec.command ?? null,
    resources: spec.resources ?? null,
    stopGracePeriod: spec.stopGracePeriod,
  };
}

/** JSON with object keys sorted, so equal templates hash equally. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** 32-bit FNV-1a: tiny, deterministic, enough to tell one service's templates apart. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** The readable half of a release id: the image tag, or the digest's start. */
function imageLabel(image: string): string {
  const digest = /@[^:]+:([0-9a-fA-F]{7})/.exec(image);
  if (digest) return `sha-${digest[1]!.toLowerCase()}`;
  // An image id (what `sluice rollback` deploys for an image that was never pushed).
  const id = /^sha256:([0-9a-f]{7})[0-9a-f]{57}$/.exec(image);
  if (id) return `id-${id[1]}`;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : 'latest';
  const slug = tag
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 20);
  return slug || 'tag';
}

/**
 * E.g. "v2-1f3a9c0d": tag for people, template hash for identity. Safe in container and nginx names.
 * The pinned reference is left out: the same content pulled from a registry or built on the host is one release.
 */
export function releaseId(spec: DeploymentSpec, resolution: Resolution = {}): string {
  const { pinnedImage: _, ...identity } = containerTemplate(spec, resolution);
  return `${imageLabel(spec.image)}-${fnv1a(canonicalJson(identity))}`;
}
