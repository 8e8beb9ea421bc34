/**
 * A random secret kept in a file only its owner can read, made by the first
 * process that needs it: the worker's key for the secrets' digest, and the
 * token of nginx's admin endpoint. Processes racing to make it all end up
 * with the winner's value (made under a temporary name, then hard-linked).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readRegularFile } from '../../files/safe-files';

/** The secret kept in `file`: only ever a regular file (a link planted in its place is refused, not followed). */
function readSecret(file: string): string | undefined {
  const read = readRegularFile(file, 4096);
  if ('text' in read) return read.text.trim();
  if (read.refused === 'missing') return undefined;
  throw new Error(
    `${file} is not a regular file of sluice's (${read.refused}${read.code ? `: ${read.code}` : ''}): remove it and sluice makes a new one`,
  );
}

export function secretFile(file: string): string {
  const existing = readSecret(file);
  if (existing !== undefined) return existing;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${crypto.randomBytes(8).toString('hex')}.new`;
  fs.writeFileSync(temp, `${crypto.randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(temp, file); // fails if another process won the race: its value is the one
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    fs.rmSync(temp, { force: true });
  }
  return readSecret(file)!;
}
