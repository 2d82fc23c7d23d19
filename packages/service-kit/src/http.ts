import type http from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RouteHandlerMethod,
} from 'fastify';
import { fastifyApolloHandler } from '@as-integrations/fastify';
import type { ApolloServer, BaseContext } from '@apollo/server';
import { trustedProxies } from './client-address.ts';
import { DomainError, toGraphQLError } from './errors.ts';
import type { Logger } from './logger.ts';
import type { ServiceMetrics } from './metrics.ts';
import { CORRELATION_HEADER, requestCorrelationId, withTrace, type TraceScope } from './trace.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route answers in GraphQL's error shape (`{ errors: [{ message, extensions }] }`). */
    graphql?: boolean;
  }
}

/** How long a closing server waits for requests in flight before cutting connections. */
export const DEFAULT_DRAIN_MS = 10_000;

export interface HttpServerOptions {
  logger: Logger;
  /** Requests with a larger body are refused with 413 before parsing (a route may set its own). */
  bodyLimit: number;
  /** Records request latency by route, GraphQL operation type and status. */
  metrics?: ServiceMetrics;
  /** Peers whose X-Forwarded-For names the client (`request.ip`); default none. */
  trustedProxies?: readonly string[];
  /** Answers paths no route matched (default 404 `{ error: 'not found' }`). */
  notFound?: (request: FastifyRequest, reply: FastifyReply) => unknown;
}

export interface RunningHttpServer {
  app: FastifyInstance;
  server: http.Server;
  /** `http://host:port` without a path. */
  origin: string;
  port: number;
  /** Requests being served now. */
  inFlight(): number;
  /**
   * Stops accepting connections (a request on a kept-alive one gets 503), waits for the requests
   * in flight (at most `drainMs`, default 10 s, then cuts them); idle connections close at once.
   */
  close(drainMs?: number): Promise<void>;
}

export interface HttpServer {
  /** Add routes here before `listen`. */
  app: FastifyInstance;
  listen(port: number, host?: string): Promise<RunningHttpServer>;
}

const graphqlErrorBody = (code: string, message: string) => ({ errors: [{ message, extensions: { code } }] });

/** 4xx when the request was at fault, else 500. */
function statusOf(error: FastifyError): number {
  const status = error.statusCode;
  if (status !== undefined && status >= 400 && status < 500) return status;
  // @as-integrations/fastify builds a URL from the Host header: an unparseable Host is the caller's.
  if ((error as { code?: string }).code === 'ERR_INVALID_URL') return 400;
  return 500;
}

function messageOf(error: FastifyError, status: number, bodyLimit: number): string {
  if (status === 500) return 'Internal server error';
  if (status === 413) return `Request body exceeds ${bodyLimit} bytes`;
  if (error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY')
    return 'The request body is not valid JSON';
  if (error.code === 'ERR_INVALID_URL') return 'The Host header is not valid';
  return error.message;
}

/** The bounded route label of a request for the metrics: `graphql`, a route's pattern, or `other`. */
function routeLabel(request: FastifyRequest): string {
  if (request.routeOptions.config.graphql) return 'graphql';
  const url = request.routeOptions.url;
  if (request.is404 || url === undefined || url.includes('*')) return 'other';
  return url;
}

/**
 * The one HTTP server of every aTES process (gateway, subgraphs, workers): Fastify with our
 * defaults. Every request gets a correlation id (the trace id when traced, else the caller's if
 * well-formed, else a new one; echoed, and set on the request for the code behind), a trace scope around its handling (its
 * logs and events carry the id), latency metrics, and the bookkeeping a graceful close needs.
 * Malformed URLs, bodies and headers answer 4xx; a handler's unexpected error is logged and
 * answers 500 without internals; nothing a client sends can throw out of the server.
 */
export function createHttpServer(options: HttpServerOptions): HttpServer {
  const { logger, metrics } = options;
  const trust = trustedProxies(options.trustedProxies ?? []);
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit,
    // The same rule as clientAddress(): request.ip is the client behind trusted proxies only.
    trustProxy: (address: string) => trust(address),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    keepAliveTimeout: 65_000,
    // A URL that does not decode (`/%zz`): before any route, so in the plain shape.
    frameworkErrors: (error, _request, reply) => {
      void (reply as unknown as FastifyReply)
        .code(400)
        .send({ error: error.code === 'FST_ERR_BAD_URL' ? 'The URL is not valid' : 'Bad request' });
    },
  });

  const open = new Set<http.ServerResponse>();
  let draining = false;
  app.addHook('onRequest', (request, reply, done) => {
    const req = request.raw;
    const res = reply.raw;
    const correlationId = requestCorrelationId(req.headers[CORRELATION_HEADER]);
    req.headers[CORRELATION_HEADER] = correlationId;
    res.setHeader(CORRELATION_HEADER, correlationId);
    if (draining) res.shouldKeepAlive = false;
    const scope: TraceScope = { correlationId };
    const started = process.hrtime.bigint();
    open.add(res);
    metrics?.requestStarted();
    res.once('close', () => {
      open.delete(res);
      metrics?.requestEnded();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeLabel(request);
      const status = res.writableFinished ? res.statusCode : 499;
      const method = request.method;
      metrics?.observeRequest({ route, method, operation: scope.operation ?? 'none', status, seconds });
      // Checked first: the line's object and scope would otherwise be built per request for nothing.
      if (logger.isLevelEnabled('debug'))
        withTrace(scope, () =>
          logger.debug(
            { method, route, operation: scope.operation, status, ms: Math.round(seconds * 1000) },
            'request',
          ),
        );
      // A keep-alive connection whose response was under way when the close began is idle only now.
      if (draining) setImmediate(() => app.server.closeIdleConnections());
    });
    withTrace(scope, done);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = statusOf(error);
    if (status === 500)
      logger.error({ err: error, url: request.url, method: request.method }, 'request failed');
    const message = messageOf(error, status, request.routeOptions.bodyLimit ?? options.bodyLimit);
    if (!request.routeOptions.config.graphql) return reply.code(status).send({ error: message });
    const code =
      status === 500 ? 'INTERNAL_SERVER_ERROR' : status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST';
    return reply.code(status).send(graphqlErrorBody(code, message));
  });
  app.setNotFoundHandler(
    options.notFound ?? ((_request, reply) => reply.code(404).send({ error: 'not found' })),
  );

  return {
    app,
    async listen(port, host = '127.0.0.1') {
      await app.listen({ port, host });
      const address = app.server.address() as AddressInfo;
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return {
        app,
        server: app.server,
        port: address.port,
        origin: `http://${shown}:${address.port}`,
        inFlight: () => open.size,
        close: async (drainMs = DEFAULT_DRAIN_MS) => {
          draining = true;
          for (const res of open) if (!res.headersSent) res.shouldKeepAlive = false;
          const timer = setTimeout(() => {
            logger.warn(
              { inFlight: open.size, drainMs },
              'requests still running after the drain time; cutting them',
            );
            app.server.closeAllConnections();
          }, drainMs);
          timer.unref();
          try {
            await app.close();
          } finally {
            clearTimeout(timer);
          }
        },
      };
    },
  };
}

export interface GraphQLRouteOptions<Ctx extends BaseContext> {
  path: string;
  apollo: ApolloServer<Ctx>;
  context: (req: IncomingMessage) => Promise<Ctx>;
  /** Answers a browser's GET (Accept: text/html) instead of Apollo, e.g. with an explorer. */
  landingPage?: (request: FastifyRequest, reply: FastifyReply) => unknown;
  /** Transports that serve the requests they claim before Apollo sees them (subscriptions over HTTP). */
  streams?: ReadonlyArray<{
    claims(request: FastifyRequest): boolean;
    serve(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  }>;
}

/** GraphQL over HTTP at `path` through @as-integrations/fastify (every method: Apollo answers 405). */
export function addGraphQLRoute<Ctx extends BaseContext>(
  app: FastifyInstance,
  options: GraphQLRouteOptions<Ctx>,
): void {
  const apolloHandler = fastifyApolloHandler<Ctx>(options.apollo, {
    context: async (request) => {
      try {
        return await options.context(request.raw);
      } catch (error) {
        if (error instanceof DomainError) throw toGraphQLError(error);
        throw error;
      }
    },
  }) as RouteHandlerMethod;
  const { landingPage, streams = [] } = options;
  app.route({
    method: ['GET', 'POST', 'OPTIONS', 'PUT', 'PATCH', 'DELETE'],
    url: options.path,
    config: { graphql: true },
    handler(request, reply) {
      if (landingPage && request.method === 'GET' && (request.headers.accept ?? '').includes('text/html'))
        return landingPage(request, reply);
      const stream = streams.find((s) => s.claims(request));
      if (stream) return stream.serve(request, reply);
      return apolloHandler.call(this, request, reply);
    },
  });
}

export interface HealthRoutesOptions {
  /** `/readyz`: 200 when every check passes, else 503 naming what failed. */
  readiness: Record<string, () => Promise<void>>;
  /** `/metrics` in the Prometheus text format. */
  metrics?: ServiceMetrics;
}

/** `/healthz` (the process answers), `/readyz` (its dependencies answer) and `/metrics`. */
export function addHealthRoutes(app: FastifyInstance, options: HealthRoutesOptions): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const results = await Promise.all(
      Object.entries(options.readiness).map(async ([name, check]) => {
        try {
          await check();
          return [name, 'ok'] as const;
        } catch (error) {
          return [name, error instanceof Error ? error.message : String(error)] as const;
        }
      }),
    );
    const ok = results.every(([, status]) => status === 'ok');
    return reply
      .code(ok ? 200 : 503)
      .send({ status: ok ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
  });
  const { metrics } = options;
  if (metrics)
    app.get('/metrics', async (_request, reply) => {
      const { contentType, body } = await metrics.scrape();
      return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
    });
}

export type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
/** Fastify's own errors (e.g. `FST_ERR_CTP_INVALID_JSON_BODY` for a parser of one's own). */
export { errorCodes as httpErrorCodes } from 'fastify';
