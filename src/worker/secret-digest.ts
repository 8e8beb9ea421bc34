/**
 * The worker's keyed digest of secret values (HMAC-SHA256). It makes a rotated
 * secret a new release without the value, or a hash anyone could test guesses
 * against, entering Temporal. Every worker that plans a service must use the
 * same key (SLUICE_SECRET_DIGEST_KEY), or a redeploy on another worker would
 * see a new release; without the variable the key is made once per host and
 * kept in a file only its owner can read.
 */
import crypto from 'node:crypto';
import { secretFile } from '../activities/adapters/secret-file';
import type { SecretDigester } from '../activities/ports';

export class HmacSecretDigester implements SecretDigester {
  constructor(private readonly key: Buffer) {}

  digest(values: Record<string, string>): string {
    const canonical = JSON.stringify(Object.entries(values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return crypto.createHmac('sha256', this.key).update(canonical).digest('hex').slice(0, 32);
  }
}

/** The key in `file`, made (random, mode 0600) by the first worker that needs it. */
export function keyFromFile(file: string): Buffer {
  return Buffer.from(secretFile(file), 'hex');
}
