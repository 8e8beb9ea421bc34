import crypto from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { AesGcmCodec, codecFromEnv } from '../../../src/codec/aes-gcm';

const key = () => crypto.randomBytes(32);
const payload = defaultPayloadConverter.toPayload({ secret: 'canary-value', n: 1 });

describe('the AES-256-GCM payload codec', () => {
  it('round-trips payloads and hides their content', async () => {
    const codec = new AesGcmCodec({ currentId: 'k1', keys: new Map([['k1', key()]]) });
    const [encoded] = await codec.encode([payload]);
    expect(Buffer.from(encoded!.data!).toString('latin1')).not.toContain('canary-value');
    expect(new TextDecoder().decode(encoded!.metadata!['encryption-key-id'])).toBe('k1');
    const [decoded] = await codec.decode([encoded!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ secret: 'canary-value', n: 1 });
  });

  it('encrypts the same payload differently every time (random IV)', async () => {
    const codec = new AesGcmCodec({ currentId: 'k1', keys: new Map([['k1', key()]]) });
    const [a, b] = await codec.encode([payload, payload]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('rotates: old payloads decrypt with a retired key, new ones use the current key', async () => {
    const old = key();
    const before = new AesGcmCodec({ currentId: 'old', keys: new Map([['old', old]]) });
    const [encrypted] = await before.encode([payload]);
    const after = new AesGcmCodec({
      currentId: 'new',
      keys: new Map([
        ['new', key()],
        ['old', old],
      ]),
    });
    expect(defaultPayloadConverter.fromPayload((await after.decode([encrypted!]))[0]!)).toEqual({ secret: 'canary-value', n: 1 });
    expect(new TextDecoder().decode((await after.encode([payload]))[0]!.metadata!['encryption-key-id'])).toBe('new');
  });

  it('refuses tampered data and says which key is missing', async () => {
    const codec = new AesGcmCodec({ currentId: 'k1', keys: new Map([['k1', key()]]) });
    const [encoded] = await codec.encode([payload]);
    const tampered = { ...encoded!, data: Buffer.from(encoded!.data!).fill(1, 20, 21) };
    await expect(codec.decode([tampered])).rejects.toThrow(/unable to authenticate|auth/i);
    const other = new AesGcmCodec({ currentId: 'k2', keys: new Map([['k2', key()]]) });
    await expect(other.decode([encoded!])).rejects.toThrow(
      'a payload is encrypted with codec key "k1", which this process does not have: add it to SLUICE_CODEC_OLD_KEYS',
    );
  });

  it('passes unencrypted payloads through (history from before the key)', async () => {
    const codec = new AesGcmCodec({ currentId: 'k1', keys: new Map([['k1', key()]]) });
    expect(await codec.decode([payload])).toEqual([payload]);
  });

  it('is configured from the environment, naming the variable when the key is wrong', () => {
    expect(codecFromEnv({})).toBeUndefined();
    expect(
      codecFromEnv({
        SLUICE_CODEC_KEY: key().toString('base64'),
        SLUICE_CODEC_KEY_ID: 'k9',
        SLUICE_CODEC_OLD_KEYS: `k8:${key().toString('base64')}`,
      }),
    ).toBeInstanceOf(AesGcmCodec);
    expect(() => codecFromEnv({ SLUICE_CODEC_KEY: 'c2hvcnQ=' })).toThrow(
      'SLUICE_CODEC_KEY must be base64 of 32 bytes (e.g. `openssl rand -base64 32`), got 5 bytes',
    );
    expect(() => codecFromEnv({ SLUICE_CODEC_KEY: key().toString('base64'), SLUICE_CODEC_OLD_KEYS: 'nocolon' })).toThrow(
      /SLUICE_CODEC_OLD_KEYS must be "id:base64,id:base64"/,
    );
  });
});
