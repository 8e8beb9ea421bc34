/**
 * A Temporal payload codec that encrypts every payload (workflow inputs and
 * results, signals, updates, queries, memos, and failure details with the
 * failure converter below) with AES-256-GCM. Each payload names the key that
 * encrypted it, so keys rotate: encrypt with the current key, keep old keys
 * for decrypting what they encrypted.
 *
 * Keys come from the environment of each process that talks to Temporal
 * (CLI, worker, `sluice dev`, the codec server):
 *   SLUICE_CODEC_KEY       base64 of 32 random bytes (`openssl rand -base64 32`)
 *   SLUICE_CODEC_KEY_FILE  or a file holding that base64 text
 *   SLUICE_CODEC_KEY_ID    its id, written into each payload (default "default")
 *   SLUICE_CODEC_OLD_KEYS  retired keys still accepted for decryption: "id:base64,id:base64"
 */
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SettingError } from '../shared/errors';

const ENCODING = 'binary/encrypted';
const CIPHER = 'AES256-GCM';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface CodecKeys {
  currentId: string;
  keys: Map<string, Buffer>;
}

export class AesGcmCodec implements PayloadCodec {
  constructor(private readonly codecKeys: CodecKeys) {
    if (!codecKeys.keys.has(codecKeys.currentId)) throw new Error(`codec key ${codecKeys.currentId} is not among the keys`);
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.codecKeys.keys.get(this.codecKeys.currentId)!;
    return payloads.map((payload) => {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
      const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          encoding: encoder.encode(ENCODING),
          'encryption-cipher': encoder.encode(CIPHER),
          'encryption-key-id': encoder.encode(this.codecKeys.currentId),
        },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (!payload.metadata?.encoding || decoder.decode(payload.metadata.encoding) !== ENCODING) return payload;
      const keyId = decoder.decode(payload.metadata['encryption-key-id'] ?? new Uint8Array());
      const key = this.codecKeys.keys.get(keyId);
      if (!key)
        throw new Error(
          `a payload is encrypted with codec key "${keyId}", which this process does not have: add it to SLUICE_CODEC_OLD_KEYS`,
        );
      const data = Buffer.from(payload.data ?? new Uint8Array());
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      decipher.setAuthTag(data.subarray(data.length - 16));
      const plaintext = Buffer.concat([decipher.update(data.subarray(12, data.length - 16)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plaintext);
    });
  }
}

function parseKey(text: string, source: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32)
    throw new SettingError(`${source} must be base64 of 32 bytes (e.g. \`openssl rand -base64 32\`), got ${key.length} bytes`);
  return key;
}

/** The codec the environment configures, or undefined when no key is set (payloads then stay in clear). */
export function codecFromEnv(env: NodeJS.ProcessEnv = process.env): AesGcmCodec | undefined {
  const inline = env.SLUICE_CODEC_KEY;
  const file = env.SLUICE_CODEC_KEY_FILE;
  if (!inline && !file) return undefined;
  let text = inline;
  if (!text) {
    try {
      text = fs.readFileSync(file!, 'utf8');
    } catch (error) {
      throw new SettingError(`SLUICE_CODEC_KEY_FILE=${file} cannot be read (${(error as NodeJS.ErrnoException).code})`, { cause: error });
    }
  }
  const currentId = env.SLUICE_CODEC_KEY_ID || 'default';
  const keys = new Map([[currentId, parseKey(text, inline ? 'SLUICE_CODEC_KEY' : 'SLUICE_CODEC_KEY_FILE')]]);
  for (const entry of (env.SLUICE_CODEC_OLD_KEYS ?? '').split(',').filter(Boolean)) {
    const colon = entry.indexOf(':');
    const [id, value] = [entry.slice(0, colon), entry.slice(colon + 1)];
    if (colon < 1 || !value) throw new SettingError('SLUICE_CODEC_OLD_KEYS must be "id:base64,id:base64"');
    keys.set(id, parseKey(value, `SLUICE_CODEC_OLD_KEYS (${id})`));
  }
  return new AesGcmCodec({ currentId, keys });
}

/** The failure converter module (compiled, or the source under tsx): loaded into the workflow bundle of workers that encrypt, and by their clients. */
export function failureConverterPath(): string {
  const compiled = path.join(__dirname, 'failure-converter.js');
  return fs.existsSync(compiled) ? compiled : path.join(__dirname, 'failure-converter.ts');
}

/** The data converter for clients: payloads and failure messages encrypted when a key is configured. */
export function clientDataConverter(env: NodeJS.ProcessEnv = process.env): DataConverter | undefined {
  const codec = codecFromEnv(env);
  return codec ? { payloadCodecs: [codec], failureConverterPath: failureConverterPath() } : undefined;
}
