/**
 * Provenance of a replica container: a label holding an HMAC of its name, service, release and
 * slot under the worker's key (the secrets' digest key, kept on the host). A container from an
 * image that carries sluice's labels, or one someone made by hand, has no valid proof, so
 * `sluice doctor --fix` never removes it.
 */
import crypto from 'node:crypto';

export interface ContainerIdentity {
  name: string;
  service: string;
  release: string;
  slot: string;
}

export function provenanceProof(key: Buffer, identity: ContainerIdentity): string {
  const text = [identity.name, identity.service, identity.release, identity.slot].join('\n');
  return crypto.createHmac('sha256', key).update(`sluice-container\n${text}`).digest('hex').slice(0, 32);
}

export function provenanceHolds(key: Buffer, identity: ContainerIdentity, proof: string | undefined): boolean {
  const expected = Buffer.from(provenanceProof(key, identity));
  const offered = Buffer.from(proof ?? '');
  return offered.length === expected.length && crypto.timingSafeEqual(offered, expected);
}
