import type { IncomingMessage } from 'node:http';
import type { BaseContext } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import { createApolloServer } from './apollo.ts';
import type { TokenVerifier, Viewer } from './auth.ts';
import { attachGraphQLWs } from './graphql-ws-server.ts';
import { addGraphQLRoute, addHealthRoutes, createHttpServer, type RunningHttpServer } from './http.ts';
import type { Logger } from './logger.ts';
import type { ServiceMetrics } from './metrics.ts';
import type { OperationLimits } from './operation-limits.ts';
import { once } from './shutdown.ts';

export interface GraphQLServiceOptions<Ctx extends BaseContext> {
  host?: string;
  /** 0 picks a free port (tests). */
  port: number;
  logger: Logger;
  schema: GraphQLSchema;
  introspection: boolean;
  maxBodyBytes: number;
  /** Operation limits on HTTP and graphql-ws (default DEFAULT_OPERATION_LIMITS). */
  limits?: OperationLimits;
  metrics: ServiceMetrics;
  /** The context of an operation over HTTP. */
  context: (req: IncomingMessage) => Promise<Ctx>;
  /** `/readyz` checks (database, NATS…). */
  readiness: Record<string, () => Promise<void>>;
  /** graphql-ws on the same path, for a schema with subscriptions. */
  subscriptions?: { verifier: TokenVerifier; context: (viewer: Viewer, authorization: string) => Ctx };
}

export interface GraphQLService {
  /** `http://host:port/graphql`. */
  url: string;
  http: RunningHttpServer;
  /** Open graphql-ws sockets. */
  sockets(): number;
  /** Closes sockets, drains HTTP, then stops Apollo. */
  stop(): Promise<void>;
}

/**
 * A subgraph's serving side: Apollo at `/graphql` (HTTP and, with `subscriptions`, graphql-ws)
 * plus `/healthz`, `/readyz` and `/metrics`, on the one HTTP server of `createHttpServer`.
 */
export async function startGraphQLService<Ctx extends BaseContext>(
  options: GraphQLServiceOptions<Ctx>,
): Promise<GraphQLService> {
  const { logger, schema, metrics } = options;
  const apollo = createApolloServer<Ctx>(
    { schema },
    { logger, introspection: options.introspection, limits: options.limits },
  );
  await apollo.start();
  const server = createHttpServer({ logger, bodyLimit: options.maxBodyBytes, metrics });
  addGraphQLRoute(server.app, { path: '/graphql', apollo, context: options.context });
  addHealthRoutes(server.app, { readiness: options.readiness, metrics });
  const http = await server.listen(options.port, options.host);
  const subscriptions = options.subscriptions;
  const ws = subscriptions
    ? attachGraphQLWs({
        server: http.server,
        path: '/graphql',
        schema,
        limits: options.limits,
        verifier: subscriptions.verifier,
        logger,
        context: subscriptions.context,
      })
    : undefined;
  return {
    url: `${http.origin}/graphql`,
    http,
    sockets: () => ws?.stats().sockets ?? 0,
    stop: once(async () => {
      await ws?.close();
      await http.close();
      await apollo.stop();
    }),
  };
}
