import {
  createApolloServer,
  healthRoute,
  once,
  readinessRoute,
  startHttpServer,
  TokenVerifier,
  type Logger,
} from '@ates/service-kit';
import { makeGatewayContext, type GatewayContext } from './context.ts';
import { AuthForwardingDataSource, createGateway, type SubgraphEndpoint } from './gateway.ts';
import { createSubscriptionPlanner } from './subscriptions/planner.ts';
import { attachGatewaySubscriptions } from './subscriptions/server.ts';
import { queryLimitsRule, type QueryLimits } from './limits.ts';

export interface GatewayConfig {
  host: string;
  port: number;
  supergraphSdl: string;
  urlOverrides: Record<string, string>;
  publicKeyPem: string;
  introspection: boolean;
  maxBodyBytes: number;
  limits: QueryLimits;
  logger: Logger;
}

export interface GatewayService {
  url: string;
  port: number;
  endpoints: SubgraphEndpoint[];
  /** Open downstream sockets and upstream subscriptions (tests assert nothing leaks). */
  liveStats(): { sockets: number; upstreams: number };
  stop(): Promise<void>;
}

async function checkSubgraph(endpoint: SubgraphEndpoint): Promise<void> {
  const response = await fetch(endpoint.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ __typename }' }),
    signal: AbortSignal.timeout(2000),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
}

export async function startGateway(config: GatewayConfig): Promise<GatewayService> {
  const { logger } = config;
  const verifier = await TokenVerifier.fromPem(config.publicKeyPem);
  const { gateway, endpoints } = createGateway(config.supergraphSdl, config.urlOverrides);
  const apollo = createApolloServer<GatewayContext>(
    { gateway },
    { logger, introspection: config.introspection, validationRules: [queryLimitsRule(config.limits)] },
  );
  await apollo.start();
  const readiness = Object.fromEntries(endpoints.map((e) => [e.name, () => checkSubgraph(e)]));
  const http = await startHttpServer<GatewayContext>({
    host: config.host,
    port: config.port,
    logger,
    maxBodyBytes: config.maxBodyBytes,
    graphql: { path: '/graphql', apollo, context: makeGatewayContext(verifier) },
    routes: {
      '/healthz': healthRoute,
      '/readyz': readinessRoute(readiness),
    },
  });
  const subscriptions = attachGatewaySubscriptions({
    server: http.server,
    planner: createSubscriptionPlanner(config.supergraphSdl),
    urls: Object.fromEntries(endpoints.map((e) => [e.name, e.url])),
    serviceMap: Object.fromEntries(
      endpoints.map((e) => [e.name, new AuthForwardingDataSource({ url: e.url })]),
    ),
    verifier,
    logger,
  });
  logger.info({ url: http.url, subgraphs: endpoints }, 'gateway ready');
  return {
    url: http.url,
    port: http.port,
    endpoints,
    liveStats: () => ({ sockets: subscriptions.stats().sockets, upstreams: subscriptions.upstreamCount() }),
    stop: once(async () => {
      await subscriptions.close();
      await http.close();
      await apollo.stop();
    }),
  };
}
