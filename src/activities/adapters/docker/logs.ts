/**
 * Docker multiplexes stdout and stderr of a container without a TTY into
 * frames: 1 byte stream id, 3 zero bytes, 4 bytes big-endian length, payload.
 */
export function demuxLogs(buffer: Buffer): string {
  const looksFramed = buffer.length >= 8 && buffer[0]! <= 2 && buffer[1] === 0 && buffer[2] === 0 && buffer[3] === 0;
  if (!looksFramed) return buffer.toString('utf8');
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    parts.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}
