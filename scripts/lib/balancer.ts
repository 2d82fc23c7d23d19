import net from 'node:net';

/**
 * A TCP round-robin balancer in front of the instances of one subgraph, standing in for the
 * load balancer (or Kubernetes service) that production puts in front of replicas. Each new
 * connection goes to the next instance; one that refuses the connection (killed, restarting)
 * is skipped. Being TCP, it carries HTTP keep-alive and WebSocket connections unchanged.
 */
export class Balancer {
  private next = 0;
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  /** Connections handed to each upstream port. */
  readonly connections = new Map<number, number>();
  /** Connections that no upstream accepted. */
  refused = 0;

  constructor(
    readonly name: string,
    private readonly upstreams: number[],
  ) {
    for (const port of upstreams) this.connections.set(port, 0);
  }

  async listen(port: number): Promise<void> {
    const server = net.createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  }

  private accept(client: net.Socket): void {
    this.track(client);
    client.pause();
    client.on('error', () => client.destroy());
    const start = this.next++ % this.upstreams.length;
    const tryUpstream = (attempt: number) => {
      if (attempt >= this.upstreams.length) {
        this.refused += 1;
        client.destroy();
        return;
      }
      const port = this.upstreams[(start + attempt) % this.upstreams.length]!;
      const upstream = net.connect({ host: '127.0.0.1', port });
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        this.track(upstream);
        this.connections.set(port, (this.connections.get(port) ?? 0) + 1);
        upstream.pipe(client);
        client.pipe(upstream);
        client.resume();
      });
      upstream.on('error', () => {
        if (!connected) tryUpstream(attempt + 1);
        else client.destroy();
      });
      upstream.on('close', () => {
        if (connected) client.destroy();
      });
      client.on('close', () => upstream.destroy());
    };
    tryUpstream(0);
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
