import path from 'node:path';
import {
  addGraphQLRoute,
  addHealthRoutes,
  createApolloServer,
  createHttpServer,
  repoRoot,
  createMetrics,
  once,
  registerLiveMetrics,
  TokenVerifier,
  trustedProxies,
  DEFAULT_OPERATION_LIMITS,
  DEFAULT_WS_LIMITS,
  type Logger,
  type OperationLimits,
  type WsLimits,
} from '@ates/service-kit';
import { makeGatewayContext, type GatewayContext } from './context.ts';
import { AuthForwardingDataSource, createGateway, type SubgraphEndpoint } from './gateway.ts';
import { createSubscriptionPlanner } from './subscriptions/planner.ts';
import {
  attachGatewaySubscriptions,
  type SubscriptionDedup,
  type SubscriptionSerialise,
} from './subscriptions/server.ts';
import { createStreamGate, DEFAULT_STREAM_LIMITS, type StreamLimits } from './subscriptions/stream-gate.ts';
import { createSseTransport } from './subscriptions/sse.ts';
import { createMultipartTransport } from './subscriptions/multipart.ts';
import {
  createSubgraphFetchers,
  DEFAULT_SUBGRAPH_CALL_POLICY,
  type SubgraphCallPolicy,
} from './subgraph-fetcher.ts';
import { operationResolutionPlugin } from './operation-resolution.ts';
import { valueCompletionPlugin } from './value-completion.ts';
import { graphqlResponseStatusPlugin } from './http-spec.ts';
import { staticSites } from './static-sites.ts';
import { learnTokenRevocations } from './token-revocations.ts';
import {
  loadTrustedDocuments,
  PersistedQueryCache,
  trustedDocuments,
  trustedDocumentsPlugin,
  type TrustedDocumentsMode,
} from './trusted-documents.ts';

export interface GatewayConfig {
  host: string;
  port: number;
  supergraphSdl: string;
  urlOverrides: Record<string, string>;
  publicKeyPem: string;
  introspection: boolean;
  maxBodyBytes: number;
  /** Operation limits over DEFAULT_OPERATION_LIMITS, on HTTP and graphql-ws. */
  limits?: Partial<OperationLimits>;
  /** Subgraph answers to one HTTP request add up to at most this (RESPONSE_TOO_LARGE); default 4 MiB. */
  maxResponseBytes?: number;
  /** graphql-ws socket limits over DEFAULT_WS_LIMITS (the per-address cap defaults to 64 here). */
  ws?: Partial<WsLimits>;
  /** Subscriptions over SSE and multipart over DEFAULT_STREAM_LIMITS (per user: the ws cap per socket). */
  streams?: Partial<StreamLimits>;
  /** Deadlines and breaker of subgraph calls (default DEFAULT_SUBGRAPH_CALL_POLICY), per subgraph. */
  subgraphCalls?: {
    defaults?: Partial<SubgraphCallPolicy>;
    overrides?: Record<string, Partial<SubgraphCallPolicy>>;
  };
  logger: Logger;
  /** A built web UI (ui/dist) served at `/`, if present. */
  uiDir?: string;
  /** Peers whose X-Forwarded-For is believed (ATES_TRUSTED_PROXIES); default none. */
  trustedProxies?: readonly string[];
  /** Signs the client address for the subgraphs (ATES_INTERNAL_SECRET). */
  internalSecret?: string;
  /** The built explorer (gateway/explorer/dist) served at `/explorer` and to browsers at GET /graphql. */
  explorerDir?: string;
  /** NATS, to learn revoked tokens from the users stream (NATS_URL, ATES_NATS_NAMESPACE). */
  natsUrl?: string;
  natsNamespace?: string;
  /** Which documents callers may run (default: any) and the manifests' folder (schema/trusted-documents). */
  trustedDocuments?: { mode: TrustedDocumentsMode; dir?: string };
  /** Which identical subscriptions share an upstream (default `on`; ATES_SUBSCRIPTION_DEDUP). */
  subscriptionDedup?: SubscriptionDedup;
  /** How a shared result is serialised (default `once`; ATES_SUBSCRIPTION_SERIALISE). */
  subscriptionSerialise?: SubscriptionSerialise;
}

/** Bytes of documents registered by automatic persisted queries (LRU beyond it). */
const APQ_CACHE_BYTES = 8 * 1024 * 1024;

export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export interface GatewayService {
  url: string;
  port: number;
  endpoints: SubgraphEndpoint[];
  /**
   * Open downstream sockets, HTTP stream responses, the subscriptions over HTTP (a reserved
   * single-connection SSE stream counts as one) and upstream subscriptions (tests assert nothing leaks).
   */
  liveStats(): { sockets: number; upstreams: number; streams: number; streamSlots: number };
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
  const revocations = await learnTokenRevocations(
    { url: config.natsUrl, namespace: config.natsNamespace },
    verifier,
    logger,
  );
  const limits = { ...DEFAULT_OPERATION_LIMITS, ...config.limits };
  const fetchers = createSubgraphFetchers(
    { ...DEFAULT_SUBGRAPH_CALL_POLICY, ...config.subgraphCalls?.defaults },
    config.subgraphCalls?.overrides,
  );
  const { gateway, endpoints } = createGateway(
    config.supergraphSdl,
    config.urlOverrides,
    fetchers,
    config.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
  );
  const trust = trustedDocuments(
    config.trustedDocuments?.mode ?? 'off',
    loadTrustedDocuments(config.trustedDocuments?.dir ?? path.join(repoRoot, 'schema/trusted-documents')),
  );
  const persistedQueries = new PersistedQueryCache(trust.documents, APQ_CACHE_BYTES);
  const apollo = createApolloServer<GatewayContext>(
    { gateway },
    {
      logger,
      introspection: config.introspection,
      limits,
      // Credentials travel only as a bearer token in the Authorization header, never in a
      // cookie: a cross-site request a browser sends by itself is anonymous, and GET never runs
      // a mutation (405). Apollo's CSRF check would refuse the spec's plain GET queries for nothing.
      csrfPrevention: false,
      // Automatic persisted queries, Apollo's protocol: the clients' trusted documents by hash,
      // and what clients register, in a bounded LRU.
      persistedQueries: { cache: persistedQueries },
      plugins: [
        operationResolutionPlugin,
        trustedDocumentsPlugin(trust),
        valueCompletionPlugin,
        graphqlResponseStatusPlugin,
      ],
    },
  );
  await apollo.start();
  const readiness = Object.fromEntries(endpoints.map((e) => [e.name, () => checkSubgraph(e)]));
  const metrics = createMetrics('gateway', { logger });
  const sites = staticSites({ uiDir: config.uiDir, explorerDir: config.explorerDir });
  const server = createHttpServer({
    logger,
    bodyLimit: config.maxBodyBytes,
    metrics,
    trustedProxies: config.trustedProxies,
    notFound: sites.notFound,
  });
  const planner = createSubscriptionPlanner(config.supergraphSdl);
  const subscriptions = attachGatewaySubscriptions({
    server: server.app.server,
    planner,
    urls: Object.fromEntries(endpoints.map((e) => [e.name, e.url])),
    serviceMap: Object.fromEntries(
      endpoints.map((e) => [
        e.name,
        new AuthForwardingDataSource(e.name, { url: e.url, fetcher: fetchers.fetcherFor(e.name) }),
      ]),
    ),
    verifier,
    logger,
    limits,
    ws: { maxConnectionsPerAddress: 64, ...config.ws },
    trust: trustedProxies(config.trustedProxies ?? []),
    refuseDocument: (document, viewer) => trust.refusal(document, viewer),
    ...(config.subscriptionDedup ? { dedup: config.subscriptionDedup } : {}),
    ...(config.subscriptionSerialise ? { serialise: config.subscriptionSerialise } : {}),
  });
  const contextOf = makeGatewayContext(verifier, {
    trust: trustedProxies(config.trustedProxies ?? []),
    internalSecret: config.internalSecret,
  });
  // Subscriptions over HTTP get the caps of graphql-ws: a user's streams as a socket's subscriptions.
  const wsLimits = { ...DEFAULT_WS_LIMITS, ...config.ws };
  const streamLimits: StreamLimits = {
    ...DEFAULT_STREAM_LIMITS,
    maxStreamsPerViewer: wsLimits.maxSubscriptionsPerSocket,
    reservationMs: wsLimits.connectionInitTimeoutMs,
    ...config.streams,
  };
  const gate = createStreamGate({
    schema: planner.apiGraphQLSchema,
    verifier,
    limits,
    streams: streamLimits,
    persisted: (hash) => persistedQueries.get(`apq:${hash}`),
    refuseDocument: (document, viewer) => trust.refusal(document, viewer),
    subscribe: subscriptions.subscribe,
    logger,
  });
  const sse = createSseTransport({ gate, contextOf, limits: streamLimits });
  const multipart = createMultipartTransport({ gate, contextOf, limits: streamLimits });
  sites.register(server.app);
  if (config.uiDir && !sites.ui)
    logger.warn({ dir: config.uiDir }, 'no built UI found (run `pnpm --filter @ates/ui build`)');
  addGraphQLRoute<GatewayContext>(server.app, {
    path: '/graphql',
    apollo,
    context: contextOf,
    streams: [multipart, sse],
    ...(sites.landingPage ? { landingPage: sites.landingPage } : {}),
  });
  addHealthRoutes(server.app, { readiness, metrics });
  // Browsers ask for it; without an answer Apollo would reply 400 to a GraphQL-less GET.
  server.app.get('/favicon.ico', (_request, reply) => reply.code(204).send());
  const http = await server.listen(config.port, config.host);
  const url = `${http.origin}/graphql`;
  registerLiveMetrics(metrics, () => ({
    sockets: subscriptions.stats().sockets,
    upstreams: subscriptions.upstreamCount(),
  }));
  logger.info({ url, subgraphs: endpoints }, 'gateway ready');
  return {
    url,
    port: http.port,
    endpoints,
    liveStats: () => ({
      sockets: subscriptions.stats().sockets,
      upstreams: subscriptions.upstreamCount(),
      streams: sse.count() + multipart.count(),
      streamSlots: gate.count(),
    }),
    stop: once(async () => {
      gate.close();
      sse.close();
      multipart.close();
      await subscriptions.close();
      await http.close();
      await apollo.stop();
      await fetchers.close();
      await revocations.stop();
    }),
  };
}
