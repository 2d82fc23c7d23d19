import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { RequestTracker } from './http-drain.ts';
import { listen } from './listen.ts';
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
  const { port, origin } = await listen(server, options.port, options.host);
  return {
    server,
    port,
    url: origin,
    close: (drainMs) => tracker.close(drainMs),
  };
}
