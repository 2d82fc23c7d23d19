import type http from 'node:http';
import { randomUUID } from 'node:crypto';
import { buildOperationContext, type ServiceMap } from '@apollo/gateway';
import { GraphQLError, type ExecutionArgs, type ExecutionResult, type GraphQLFormattedError } from 'graphql';
import {
  attachGraphQLWs,
  createPushIterator,
  makeFormatError,
  type GraphQLWsServer,
  type Logger,
  type TokenVerifier,
} from '@ates/service-kit';
import type { GatewayContext } from '../context.ts';
import { executeEvent } from './execute-event.ts';
import type { SubscriptionPlanner } from './planner.ts';
import { subscribeUpstream } from './upstream.ts';

export interface GatewaySubscriptionsOptions {
  server: http.Server;
  planner: SubscriptionPlanner;
  /** Subgraph name → its HTTP GraphQL URL (graphql-ws is served on the same path). */
  urls: Record<string, string>;
  serviceMap: ServiceMap;
  verifier: TokenVerifier;
  logger: Logger;
}

export interface GatewaySubscriptions extends GraphQLWsServer {
  /** Upstream subscriptions open right now (tests assert that unsubscribing releases them). */
  upstreamCount(): number;
}

const unavailable = (service: string) =>
  new GraphQLError(`The ${service} service stopped serving this subscription; subscribe again later`, {
    extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: service },
  });

/** graphql-ws sends GraphQLError instances; keep what formatError decided the client sees. */
const asGraphQLError = (e: GraphQLFormattedError) =>
  new GraphQLError(e.message, { path: e.path, extensions: e.extensions });

/**
 * Federated subscriptions on the gateway's own `/graphql` (graphql-ws). Each subscription is
 * planned by the query planner; its primary part is forwarded to the owning subgraph with the
 * caller's token, and each event is completed across subgraphs by the rest of the plan.
 */
export function attachGatewaySubscriptions(options: GatewaySubscriptionsOptions): GatewaySubscriptions {
  const { planner, logger } = options;
  const formatError = makeFormatError(logger);
  let upstreams = 0;

  const subscribe = async (args: ExecutionArgs) => {
    const context = args.contextValue as GatewayContext;
    const operationName = args.operationName ?? undefined;
    const plan = planner.plan(args.document, operationName);
    const node = plan.node;
    if (node?.kind !== 'Subscription') {
      return {
        errors: [
          new GraphQLError(
            'Only subscriptions are served over WebSocket: send queries and mutations by HTTP POST',
            {
              extensions: { code: 'BAD_REQUEST' },
            },
          ),
        ],
      } satisfies ExecutionResult;
    }
    const { primary, rest } = node;
    const url = options.urls[primary.serviceName];
    if (!url) throw new Error(`no URL for subgraph ${primary.serviceName}`);
    const variables = (args.variableValues ?? {}) as Record<string, unknown>;
    const upstreamVariables = Object.fromEntries(
      (primary.variableUsages ?? [])
        .filter((name) => name in variables)
        .map((name) => [name, variables[name]]),
    );
    const upstream = subscribeUpstream(url, context.authorization ?? '', {
      query: primary.operation,
      variables: upstreamVariables,
      operationName: primary.operationName,
    });
    upstreams += 1;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      upstreams -= 1;
      upstream
        .dispose()
        .catch((error: unknown) => logger.warn({ err: error }, 'closing an upstream subscription failed'));
    };
    const out = createPushIterator<ExecutionResult<Record<string, unknown>>>(release);
    const run = {
      planner,
      serviceMap: options.serviceMap,
      primary,
      rest,
      operationContext: buildOperationContext({
        schema: planner.apiGraphQLSchema,
        operationDocument: args.document,
        operationName,
      }),
      request: { query: args.document.loc?.source.body ?? '', variables, operationName },
      context,
      logger,
    };
    void (async () => {
      try {
        for await (const event of upstream.iterator) {
          if (out.closed) return;
          const result = await executeEvent(run, event);
          const errors = result.errors?.map((e) => asGraphQLError(formatError(e.toJSON(), e)));
          const data = (result.data ?? null) as Record<string, unknown> | null;
          out.push(errors?.length ? { data, errors } : { data });
        }
        out.end();
      } catch (error) {
        if (out.closed) return;
        logger.warn({ err: error, service: primary.serviceName }, 'upstream subscription failed');
        out.push({ errors: [unavailable(primary.serviceName)] });
        out.end();
      } finally {
        release();
      }
    })();
    return out;
  };

  const ws = attachGraphQLWs<GatewayContext>({
    server: options.server,
    path: '/graphql',
    schema: planner.apiGraphQLSchema,
    verifier: options.verifier,
    logger,
    context: (viewer, authorization) => ({ viewer, authorization, correlationId: randomUUID() }),
    execution: { subscribe, execute: subscribe },
  });
  return { ...ws, upstreamCount: () => upstreams };
}
