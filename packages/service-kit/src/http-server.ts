import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { DomainError, toGraphQLError } from './errors.ts';
import { RequestTracker } from './http-drain.ts';
import { listen } from './listen.ts';
import type { Logger } from './logger.ts';
import type { ServiceMetrics } from './metrics.ts';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface GraphQLRoute<Ctx extends BaseContext> {
  path: string;
  apollo: ApolloServer<Ctx>;
  context: (req: IncomingMessage) => Promise<Ctx>;
  /** Answers a browser's GET (Accept: text/html) instead of Apollo, e.g. with an explorer. */
  landingPage?: RouteHandler;
}

export interface HttpServerOptions<Ctx extends BaseContext> {
  port: number;
  host?: string;
  logger: Logger;
  /** Requests with a larger body are refused with 413 before parsing. */
  maxBodyBytes: number;
  graphql: GraphQLRoute<Ctx>;
  routes?: Record<string, RouteHandler>;
  /** Tried for any other path (static files); returns false to leave it a 404. */
  fallback?: (req: IncomingMessage, res: ServerResponse, pathname: string) => boolean;
  /** Records request latency by route, GraphQL operation type and status. */
  metrics?: ServiceMetrics;
}

export interface RunningHttpServer {
  server: http.Server;
  url: string;
  port: number;
  /** Requests being served now. */
  inFlight(): number;
  /**
   * Stops accepting connections and waits for the requests in flight (at most `drainMs`,
   * default 10 s, then cuts them); keep-alive connections close as they go idle.
   */
  close(drainMs?: number): Promise<void>;
}

export class BodyTooLargeError extends Error {}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendGraphQLError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] });
}

export async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) throw new BodyTooLargeError();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > limit) throw new BodyTooLargeError();
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function handleGraphQL<Ctx extends BaseContext>(
  route: GraphQLRoute<Ctx>,
  req: IncomingMessage,
  res: ServerResponse,
  maxBodyBytes: number,
): Promise<void> {
  const method = req.method ?? 'GET';
  if (method === 'GET' && route.landingPage && (req.headers.accept ?? '').includes('text/html')) {
    await route.landingPage(req, res);
    return;
  }
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  let body: unknown = undefined;
  if (method === 'POST') {
    let text: string;
    try {
      text = await readBody(req, maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        sendGraphQLError(res, 413, 'PAYLOAD_TOO_LARGE', `Request body exceeds ${maxBodyBytes} bytes`);
        return;
      }
      throw error;
    }
    if ((headers.get('content-type') ?? '').includes('application/json')) {
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        sendGraphQLError(res, 400, 'BAD_REQUEST', 'The request body is not valid JSON');
        return;
      }
    } else {
      body = text;
    }
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const result = await route.apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: method.toUpperCase(), headers, search: url.search, body },
    context: async () => {
      try {
        return await route.context(req);
      } catch (error) {
        if (error instanceof DomainError) throw toGraphQLError(error);
        throw error;
      }
    },
  });
  for (const [key, value] of result.headers) res.setHeader(key, value);
  res.statusCode = result.status ?? 200;
  if (result.body.kind === 'complete') {
    res.end(result.body.string);
    return;
  }
  for await (const chunk of result.body.asyncIterator) res.write(chunk);
  res.end();
}

/**
 * One `node:http` server per service: GraphQL at `graphql.path`, plus plain routes
 * (health, metrics, static files). Owning the server lets WebSocket upgrades share the port.
 */
export async function startHttpServer<Ctx extends BaseContext>(
  options: HttpServerOptions<Ctx>,
): Promise<RunningHttpServer> {
  const { logger, graphql, routes = {}, maxBodyBytes } = options;
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const handle = async () => {
      if (pathname === graphql.path) return handleGraphQL(graphql, req, res, maxBodyBytes);
      const route = routes[pathname];
      if (route) return route(req, res);
      if (options.fallback?.(req, res, pathname)) return;
      sendJson(res, 404, { error: 'not found' });
    };
    void tracker.run(req, res, () =>
      handle().catch((error: unknown) => {
        logger.error({ err: error, url: req.url }, 'request failed');
        if (!res.headersSent) sendGraphQLError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
        else res.end();
      }),
    );
  });
  const tracker = new RequestTracker({
    server,
    logger,
    metrics: options.metrics,
    routeOf: (pathname) =>
      pathname === graphql.path ? 'graphql' : Object.hasOwn(routes, pathname) ? pathname : 'other',
  });
  server.keepAliveTimeout = 65_000;
  const { port, origin } = await listen(server, options.port, options.host);
  return {
    server,
    port,
    url: `${origin}${graphql.path}`,
    inFlight: () => tracker.inFlight,
    close: (drainMs) => tracker.close(drainMs),
  };
}

export const healthRoute: RouteHandler = (_req, res) => sendJson(res, 200, { status: 'ok' });

/** `/readyz`: 200 when every check passes, else 503 naming what failed. */
export function readinessRoute(checks: Record<string, () => Promise<void>>): RouteHandler {
  return async (_req, res) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await check();
          return [name, 'ok'] as const;
        } catch (error) {
          return [name, error instanceof Error ? error.message : String(error)] as const;
        }
      }),
    );
    const ok = results.every(([, status]) => status === 'ok');
    sendJson(res, ok ? 200 : 503, {
      status: ok ? 'ready' : 'not ready',
      checks: Object.fromEntries(results),
    });
  };
}
