import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a database server, on a loopback port of its own: the secrets of a
 * scenario name the proxy's port, so every connection the rotation function opens passes through
 * it and can be refused (an outage), cut in the middle of a statement, or slowed down. The
 * harness's own checks connect to the server directly.
 */

/** What to do once a client packet has been forwarded: nothing more, or cut the connection before any reply. */
export type AfterPacket = 'continue' | 'cut';

/** Called after the n-th packet from a client (counting every connection) was handed to the server. */
export type PacketHook = (packet: number) => AfterPacket;

interface Pair {
  readonly client: Socket;
  readonly server: Socket;
  /** Set when the pair is being cut: nothing more is forwarded either way. */
  cut: boolean;
}

export class TcpProxy {
  /** Client packets forwarded so far. */
  packets = 0;
  /** Connections accepted so far. */
  connections = 0;
  /** Called after each client packet is forwarded. */
  onPacket: PacketHook | undefined;
  /** Delay, in ms, of every packet in both directions. */
  delayMs = 0;

  private readonly pairs = new Set<Pair>();
  private listening = true;

  private constructor(
    private server: Server,
    readonly port: number,
    private readonly target: { readonly host: string; readonly port: number },
  ) {}

  static async start(target: { readonly host: string; readonly port: number }): Promise<TcpProxy> {
    const server = createServer();
    const port = await listen(server, 0);
    const proxy = new TcpProxy(server, port, target);
    server.on('connection', (client: Socket) => {
      proxy.accept(client);
    });
    return proxy;
  }

  /** Whether new connections are accepted now. */
  get up(): boolean {
    return this.listening;
  }

  /** An outage: the port stops listening (connections are refused) and open connections are cut. */
  refuse(): void {
    if (!this.listening) return;
    this.listening = false;
    this.server.close();
    this.cutAll();
  }

  /** The end of an outage: the same port listens again. */
  async restore(): Promise<void> {
    if (this.listening) return;
    const server = createServer((client) => {
      this.accept(client);
    });
    // The port was ours a moment ago; another process taking it meanwhile is rare, so try a few times.
    for (let attempt = 1; ; attempt++) {
      try {
        await listen(server, this.port);
        break;
      } catch (error) {
        if (attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    this.server = server;
    this.listening = true;
  }

  /** Cuts every open connection. */
  cutAll(): void {
    for (const pair of this.pairs) this.cut(pair);
  }

  /** Stops everything: no hooks, no delay, every connection cut, the port closed. */
  async stop(): Promise<void> {
    this.onPacket = undefined;
    this.cutAll();
    if (this.listening) {
      this.listening = false;
      await new Promise<void>((resolve) =>
        this.server.close(() => {
          resolve();
        }),
      );
    }
  }

  private accept(client: Socket): void {
    if (!this.listening) {
      client.destroy();
      return;
    }
    this.connections += 1;
    const server = connect(this.target.port, this.target.host);
    const pair: Pair = { client, server, cut: false };
    this.pairs.add(pair);
    client.setNoDelay(true);
    server.setNoDelay(true);
    // Each direction keeps its order even when delayed, and an end or close travels behind the data
    // before it (a server's last packet, e.g. "access denied", reaches the client before the close).
    let toServer = Promise.resolve();
    let toClient = Promise.resolve();
    const cut = () => {
      this.cut(pair);
    };
    client.on('error', cut);
    server.on('error', cut);
    client.on('data', (chunk: Buffer) => {
      toServer = toServer
        .then(() => this.delay())
        .then(() => {
          this.forwardFromClient(pair, chunk);
        });
    });
    server.on('data', (chunk: Buffer) => {
      toClient = toClient
        .then(() => this.delay())
        .then(() => {
          if (!pair.cut) client.write(chunk);
        });
    });
    client.on('close', () => {
      toServer = toServer.then(cut);
    });
    server.on('close', () => {
      toClient = toClient.then(cut);
    });
  }

  private forwardFromClient(pair: Pair, chunk: Buffer): void {
    if (pair.cut) return;
    this.packets += 1;
    const after = this.onPacket?.(this.packets) ?? 'continue';
    if (after === 'cut') {
      // Stop forwarding replies now; cut once the packet has reached the server's socket.
      pair.cut = true;
      pair.server.write(chunk, () => {
        pair.server.destroy();
        pair.client.destroy();
        this.pairs.delete(pair);
      });
      return;
    }
    pair.server.write(chunk);
  }

  private delay(): Promise<void> {
    return this.delayMs > 0 ? new Promise((resolve) => setTimeout(resolve, this.delayMs)) : Promise.resolve();
  }

  private cut(pair: Pair): void {
    pair.cut = true;
    pair.client.destroy();
    pair.server.destroy();
    this.pairs.delete(pair);
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
