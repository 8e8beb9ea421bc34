import net from 'node:net';

/**
 * A TCP link on loopback in front of a real server, for faults the real parts
 * cannot be asked to produce: switched off, the server is unreachable
 * (connection refused); throttled, what the server sends trickles at
 * `bytesPerSecond`, so a transfer lasts long enough to be interrupted.
 */
export class TcpLink {
  private server?: net.Server;
  /** Bytes the server has sent to clients through the link. */
  bytesToClients = 0;

  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
    private readonly bytesPerSecond?: number,
  ) {}

  up(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target);
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => {
        this.bytesToClients += chunk.length;
        client.write(chunk);
        if (!this.bytesPerSecond) return;
        upstream.pause();
        setTimeout(() => upstream.resume(), (chunk.length / this.bytesPerSecond) * 1000);
      });
      upstream.on('end', () => client.end());
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
    });
    return new Promise((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  down(): void {
    this.server?.close();
  }
}
