import net from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 between binlake and a MySQL/MariaDB server, for fault tests:
 * `sever()` destroys every open connection (both sides, like a cut cable or a firewall reset),
 * `stall(ms)` stops forwarding bytes in both directions for a while (connections stay open),
 * `refuse(true)` makes new connections fail at once (the server looks unreachable),
 * `damageFirst(marker)` flips a bit of one byte on its way to the client.
 */
export class TcpProxy {
  private readonly sockets = new Set<net.Socket>();
  private stalledUntil = 0;
  private refusing = false;
  /** Bytes forwarded server → client since start (to sever "in the middle" of a transfer). */
  bytesDown = 0;
  connections = 0;
  private severAt: { bytes: number; done: (severed: number) => void } | null = null;
  /** Bytes whose first occurrence server → client gets one bit flipped in transit. */
  private damage: Buffer | null = null;
  private lastBytes = Buffer.alloc(0);

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    let proxy: TcpProxy | null = null;
    const server = net.createServer((client) => proxy?.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address() as net.AddressInfo;
    proxy = new TcpProxy(server, address.port, target);
    return proxy;
  }

  private accept(client: net.Socket): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    this.connections++;
    const upstream = net.connect(this.target.port, this.target.host);
    this.sockets.add(client);
    this.sockets.add(upstream);
    const pipe = (from: net.Socket, to: net.Socket, down: boolean) => {
      from.on('data', (data: Buffer) => {
        let chunk = data;
        if (down) {
          this.bytesDown += chunk.length;
          const marker = this.damage;
          if (marker) {
            // Searched across the read boundary too; the marker's last byte is in this read.
            const seen = Buffer.concat([this.lastBytes, chunk]);
            const at = seen.indexOf(marker);
            if (at >= 0) {
              chunk = Buffer.from(chunk);
              chunk[at + marker.length - 1 - this.lastBytes.length] ^= 1;
              this.damage = null;
            }
            this.lastBytes = Buffer.from(seen.subarray(Math.max(0, seen.length - marker.length + 1)));
          }
          const trigger = this.severAt;
          if (trigger && this.bytesDown >= trigger.bytes) {
            this.severAt = null;
            trigger.done(this.sever());
            return;
          }
        }
        const wait = this.stalledUntil - Date.now();
        if (wait > 0) {
          from.pause();
          setTimeout(() => {
            if (!to.destroyed) to.write(chunk);
            from.resume();
          }, wait);
          return;
        }
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
      });
    };
    pipe(client, upstream, false);
    pipe(upstream, client, true);
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on('error', close);
      s.on('close', close);
    }
  }

  /** Open client-side connections right now. */
  get open(): number {
    return this.sockets.size / 2;
  }

  /** Cuts every open connection (a reset on both sides); new connections are accepted as before. */
  sever(): number {
    const n = this.open;
    for (const s of this.sockets) s.resetAndDestroy();
    this.sockets.clear();
    return n;
  }

  /**
   * Severs every connection as soon as `bytes` more bytes went server → client (e.g. in the middle
   * of a large transaction's events); resolves with the number of connections cut.
   */
  severAfter(bytes: number): Promise<number> {
    return new Promise((resolve) => {
      this.severAt = { bytes: this.bytesDown + bytes, done: resolve };
    });
  }

  /** Damages one byte in transit: the last one of the first `marker` the server sends. */
  damageFirst(marker: string): void {
    this.damage = Buffer.from(marker);
    this.lastBytes = Buffer.alloc(0);
  }

  /** Holds every byte in both directions for `ms` (the connections stay open). */
  stall(ms: number): void {
    this.stalledUntil = Date.now() + ms;
  }

  /** While true, new connections are closed at once (the server looks down); open ones are kept. */
  refuse(on: boolean): void {
    this.refusing = on;
  }

  async close(): Promise<void> {
    this.sever();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
