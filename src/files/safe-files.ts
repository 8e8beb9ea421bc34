/**
 * Reading and writing files in directories someone else can write to (nginx's config
 * volume, a secrets directory): never through a link, never from a FIFO or device,
 * never to a temporary name another process can predict or plant first.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export type RegularFileRead = { text: string } | { refused: 'missing' | 'link' | 'notRegular' | 'tooLarge' | 'unreadable'; code?: string };

/** The file's text if it is a regular file (not a link to one) of at most maxBytes. */
export function readRegularFile(file: string, maxBytes = 16 * 1024 * 1024): RegularFileRead {
  let fd: number;
  try {
    // O_NOFOLLOW: a link is refused, not followed; O_NONBLOCK: a FIFO cannot hold the open.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { refused: 'missing' };
    if (code === 'ELOOP') return { refused: 'link' };
    return { refused: 'unreadable', ...(code ? { code } : {}) };
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return { refused: 'notRegular' };
    if (stat.size > maxBytes) return { refused: 'tooLarge' };
    // Sized by the file, one byte over to notice one that grew while it was read.
    const buffer = Buffer.alloc(stat.size + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length < buffer.length; length += read)
      read = fs.readSync(fd, buffer, length, buffer.length - length, length);
    if (length > stat.size) return { refused: 'unreadable', code: 'it changed while it was read' };
    return { text: buffer.subarray(0, length).toString('utf8') };
  } finally {
    fs.closeSync(fd);
  }
}

/** The text of a regular file, or undefined when there is none (absent, a link, a FIFO, a directory). */
export function readRegularFileIfAny(file: string): string | undefined {
  const read = readRegularFile(file);
  return 'text' in read ? read.text : undefined;
}

/**
 * Replaces the file in one step: written under an unpredictable name created exclusively (a
 * planted file or link of that name fails the write instead of redirecting it), then renamed
 * over the target, which replaces a link there rather than writing through it.
 */
export function writeFileAtomically(file: string, content: string, mode = 0o644): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${crypto.randomBytes(8).toString('hex')}.tmp`);
  const fd = fs.openSync(temp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, mode);
  try {
    try {
      fs.writeSync(fd, content);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}
