import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RequestTracker } from './http-drain.ts';
import { sendJson } from './http-server.ts';
import type { Logger } from './logger.ts';
import type { ServiceMetrics } from './metrics.ts';

export interface RouteServerOptions {
  port: number;
  host?: string;
  logger: Logger;
  /** Answers every request (its own routing); an exception becomes a logged 500. */
  handle: (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;
  /** Records request latency; `routes` names the paths worth a label of their own. */
  metrics?: ServiceMetrics;
  routes?: readonly string[];
}

export interface RunningRouteServer {
  server: http.Server;
  /** `http://host:port` without a path. */
  url: string;
  port: number;
  /** Stops accepting connections and waits for the requests in flight (see `startHttpServer`). */
  close(drainMs?: number): Promise<void>;
}

/**
 * A plain `node:http` server for processes that are not subgraphs (workers, the payment
 * sandbox): health endpoints and small JSON APIs, no GraphQL.
 */
export async function startRouteServer(options: RouteServerOptions): Promise<RunningRouteServer> {
  const { logger } = options;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    void tracker.run(req, res, () =>
      Promise.resolve()
        .then(() => options.handle(req, res, url))
        .catch((error: unknown) => {
          logger.error({ err: error, url: req.url, method: req.method }, 'request failed');
          if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
          else res.end();
        }),
    );
  });
  const known = new Set(options.routes ?? ['/healthz', '/readyz', '/metrics']);
  const tracker = new RequestTracker({
    server,
    logger,
    metrics: options.metrics,
    routeOf: (pathname) => (known.has(pathname) ? pathname : 'other'),
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    port: address.port,
    url: `http://${host}:${address.port}`,
    close: (drainMs) => tracker.close(drainMs),
  };
}
