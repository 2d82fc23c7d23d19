import type http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from './logger.ts';
import type { ServiceMetrics } from './metrics.ts';
import { CORRELATION_HEADER, requestCorrelationId, withTrace, type TraceScope } from './trace.ts';

/** How long a closing server waits for requests in flight before cutting connections. */
export const DEFAULT_DRAIN_MS = 10_000;

export interface RequestTrackerOptions {
  server: http.Server;
  logger: Logger;
  metrics?: ServiceMetrics;
  /** The bounded route label of a path (`graphql`, `/healthz`, or `other`). */
  routeOf: (pathname: string) => string;
}

/**
 * What every request of our HTTP servers goes through: a correlation id (the trace id when
 * traced, else the caller's if well-formed, else a new one; echoed in the response and set on
 * the request for the code behind), a trace scope around the handler (so its logs and events carry the id), latency
 * metrics, and the bookkeeping a graceful close needs.
 *
 * `close()` stops accepting connections, lets the requests in flight finish (their connections
 * close after the response instead of staying keep-alive), closes idle keep-alive connections
 * as they become idle, and cuts whatever is left after `drainMs`.
 */
export class RequestTracker {
  private readonly open = new Set<ServerResponse>();
  private draining = false;

  constructor(private readonly options: RequestTrackerOptions) {}

  get inFlight(): number {
    return this.open.size;
  }

  /** Runs `handle` for one request inside its trace scope. */
  run(req: IncomingMessage, res: ServerResponse, handle: () => Promise<void>): Promise<void> {
    const { metrics, logger } = this.options;
    const correlationId = requestCorrelationId(req.headers[CORRELATION_HEADER]);
    req.headers[CORRELATION_HEADER] = correlationId;
    res.setHeader(CORRELATION_HEADER, correlationId);
    if (this.draining) res.shouldKeepAlive = false;
    const scope: TraceScope = { correlationId };
    const started = process.hrtime.bigint();
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    this.open.add(res);
    metrics?.requestStarted();
    res.once('close', () => {
      this.open.delete(res);
      metrics?.requestEnded();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = this.options.routeOf(pathname);
      const status = res.writableFinished ? res.statusCode : 499;
      metrics?.observeRequest({
        route,
        method: req.method ?? 'GET',
        operation: scope.operation ?? 'none',
        status,
        seconds,
      });
      withTrace(scope, () =>
        logger.debug(
          { method: req.method, route, operation: scope.operation, status, ms: Math.round(seconds * 1000) },
          'request',
        ),
      );
      // A keep-alive connection whose response was already under way when the close began
      // becomes idle only now.
      if (this.draining) setImmediate(() => this.options.server.closeIdleConnections());
    });
    return withTrace(scope, handle);
  }

  close(drainMs = DEFAULT_DRAIN_MS): Promise<void> {
    const { server, logger } = this.options;
    this.draining = true;
    for (const res of this.open) if (!res.headersSent) res.shouldKeepAlive = false;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        logger.warn(
          { inFlight: this.open.size, drainMs },
          'requests still running after the drain time; cutting them',
        );
        server.closeAllConnections();
      }, drainMs);
      timer.unref();
      server.close((error) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      });
      server.closeIdleConnections();
    });
  }
}
