import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readRegularFile, readRegularFileIfAny, writeFileAtomically } from '../../../src/files/safe-files';
import { secretFile } from '../../../src/activities/adapters/secret-file';

/** A directory another process can write to (nginx's config volume): what it plants is never followed. */
let dir: string;
let outside: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-shared-'));
  outside = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-outside-')), 'environ');
  fs.writeFileSync(outside, 'WORKER_SECRET=do-not-leak');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(path.dirname(outside), { recursive: true, force: true });
});

describe('writing', () => {
  it('a link planted at the predictable temporary name is not written through', () => {
    const file = path.join(dir, 'web.routes');
    // The old name: .<file>.<pid>.tmp, pid 1 in a container.
    fs.symlinkSync(outside, path.join(dir, `.web.routes.${process.pid}.tmp`));
    writeFileAtomically(file, 'routes');
    expect(fs.readFileSync(outside, 'utf8')).toBe('WORKER_SECRET=do-not-leak');
    expect(fs.readFileSync(file, 'utf8')).toBe('routes');
    // Nothing left behind but the planted link.
    expect(fs.readdirSync(dir).sort()).toEqual([`.web.routes.${process.pid}.tmp`, 'web.routes']);
  });

  it('a link planted at the target is replaced, not written through', () => {
    const file = path.join(dir, 'web.conf');
    fs.symlinkSync(outside, file);
    writeFileAtomically(file, 'server {}');
    expect(fs.lstatSync(file).isSymbolicLink()).toBe(false);
    expect(fs.readFileSync(file, 'utf8')).toBe('server {}');
    expect(fs.readFileSync(outside, 'utf8')).toBe('WORKER_SECRET=do-not-leak');
  });
});

describe('reading', () => {
  it('reads a regular file; a link, a directory and a FIFO are refused (the FIFO without blocking)', () => {
    fs.writeFileSync(path.join(dir, 'plain'), 'text');
    fs.symlinkSync(outside, path.join(dir, 'link'));
    fs.mkdirSync(path.join(dir, 'sub'));
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    expect(readRegularFile(path.join(dir, 'plain'))).toEqual({ text: 'text' });
    expect(readRegularFile(path.join(dir, 'link'))).toEqual({ refused: 'link' });
    expect(readRegularFile(path.join(dir, 'sub'))).toEqual({ refused: 'notRegular' });
    expect(readRegularFile(path.join(dir, 'fifo'))).toEqual({ refused: 'notRegular' });
    expect(readRegularFile(path.join(dir, 'absent'))).toEqual({ refused: 'missing' });
    expect(readRegularFileIfAny(path.join(dir, 'link'))).toBeUndefined();
  });

  it('stops at the size limit', () => {
    fs.writeFileSync(path.join(dir, 'big'), 'x'.repeat(11));
    expect(readRegularFile(path.join(dir, 'big'), 10)).toEqual({ refused: 'tooLarge' });
    expect(readRegularFile(path.join(dir, 'big'), 11)).toEqual({ text: 'x'.repeat(11) });
  });

  it("a link planted where a secret (the admin token) is kept is refused, so the worker never takes another file's content as its secret", () => {
    const token = path.join(dir, 'admin.token');
    fs.symlinkSync(outside, token);
    expect(() => secretFile(token)).toThrow(/admin\.token is not a regular file of sluice's \(link\): remove it/);
    fs.rmSync(token);
    expect(secretFile(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.statSync(token).mode & 0o777).toBe(0o600);
  });
});
