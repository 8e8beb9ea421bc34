/**
 * The worker's keyed digest of secret values (HMAC-SHA256). It makes a rotated
 * secret a new release without the value, or a hash anyone could test guesses
 * against, entering Temporal. Every worker that plans a service must use the
 * same key (SLUICE_SECRET_DIGEST_KEY), or a redeploy on another worker would
 * see a new release; without the variable the key is made once per host and
 * kept in a file only its owner can read.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SecretDigester } from '../activities/ports';

export class HmacSecretDigester implements SecretDigester {
  constructor(private readonly key: Buffer) {}

  digest(values: Record<string, string>): string {
    const canonical = JSON.stringify(Object.entries(values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return crypto.createHmac('sha256', this.key).update(canonical).digest('hex').slice(0, 32);
  }
}

/** The key in `file`, created (random, mode 0600) by the first worker that needs it; a concurrent first start reads the winner's. */
export function keyFromFile(file: string): Buffer {
  try {
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'hex');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${crypto.randomBytes(8).toString('hex')}.new`;
  fs.writeFileSync(temp, `${crypto.randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(temp, file); // fails if another worker won the race; its key is the one
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    fs.rmSync(temp, { force: true });
  }
  return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'hex');
}
