import type http from 'node:http';
import { randomUUID } from 'node:crypto';
import { buildOperationContext, type ServiceMap } from '@apollo/gateway';
import {
  GraphQLError,
  Kind,
  print,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFormattedError,
} from 'graphql';
import {
  attachGraphQLWs,
  createPushIterator,
  makeFormatError,
  type PushIterator,
  type GraphQLWsServer,
  type Logger,
  type OperationLimits,
  type TokenVerifier,
  type TrustedProxies,
  type Viewer,
  type WsLimits,
  epochMs,
} from '@ates/service-kit';
import type { GatewayContext } from '../context.ts';
import { executeEvent, type EventExecution } from './execute-event.ts';
import type { SubscriptionPlanner } from './planner.ts';
import {
  DEFAULT_UPSTREAM_POLICY,
  isForbiddenClose,
  isTimeoutClose,
  TooManyUpstreamSubscriptions,
  UpstreamConnections,
  type UpstreamPolicy,
  type UpstreamSubscription,
} from './upstream.ts';

export interface GatewaySubscriptionsOptions {
  server: http.Server;
  planner: SubscriptionPlanner;
  /** Subgraph name → its HTTP GraphQL URL (graphql-ws is served on the same path). */
  urls: Record<string, string>;
  serviceMap: ServiceMap;
  verifier: TokenVerifier;
  logger: Logger;
  /** Operation limits, as over HTTP. */
  limits?: OperationLimits;
  /** Client socket limits (service-kit's DEFAULT_WS_LIMITS otherwise). */
  ws?: Partial<WsLimits>;
  trust?: TrustedProxies;
  upstream?: Partial<UpstreamPolicy>;
  /** Refuses a document for a viewer (trusted documents), as over HTTP. */
  refuseDocument?: (document: DocumentNode, viewer: Viewer) => GraphQLError | undefined;
  /** Which identical subscriptions share one upstream (default `on`); see SubscriptionDedup. */
  dedup?: SubscriptionDedup;
  /** How an event's result reaches graphql-ws subscribers (default `once`); see SubscriptionSerialise. */
  serialise?: SubscriptionSerialise;
}

/**
 * `on`: identical subscriptions share one upstream subscription and one execution per event,
 * keyed by what the subgraph's answer depends on (the role for BROADCAST_FIELDS, the viewer
 * and role otherwise). `broadcast`: only BROADCAST_FIELDS share; `off`: nothing does. The
 * last two exist for the subscriptions bench's before/after (ATES_SUBSCRIPTION_DEDUP).
 */
export type SubscriptionDedup = 'on' | 'broadcast' | 'off';

/**
 * `once`: a stream's result is serialised once per event and written to each graphql-ws
 * subscriber's socket as it is (their payloads are identical; only the message id differs).
 * `per-subscriber`: graphql-ws stringifies it for each, as before; kept for the bench's A/B
 * (ATES_SUBSCRIPTION_SERIALISE). SSE and multipart subscribers always take the iterator path.
 */
export type SubscriptionSerialise = 'once' | 'per-subscriber';

export interface GatewaySubscriptions extends GraphQLWsServer {
  /** The federated subscribe behind every transport (graphql-ws here, SSE and multipart). */
  subscribe(args: ExecutionArgs): Promise<Out | ExecutionResult>;
  /** Upstream subscriptions open right now (tests assert that unsubscribing releases them). */
  upstreamCount(): number;
  /** Upstream sockets open right now (one per subgraph and token). */
  upstreamSocketCount(): number;
}

/**
 * Subscription fields whose every event is the same for all the subscribers allowed to see
 * it, and whose permission depends on the subscriber's role alone (the subgraph checks it).
 * Subscribers of the same operation and variables with the same role share one upstream
 * subscription and one execution of the plan per event; the result is fanned out to each.
 */
export const BROADCAST_FIELDS: ReadonlySet<string> = new Set(['accountingToday', 'analyticsToday']);

/**
 * The key under which identical subscriptions share a stream, or undefined if this one may
 * not share. A subgraph sees only the forwarded token, whose claims that can change an answer
 * are the user id and the role (expiry and generation decide only whether it is accepted):
 * so subscriptions of one viewer and role with the same document and variables always get the
 * same events, and BROADCAST_FIELDS' answers do not even depend on the viewer.
 */
function sharingKey(
  dedup: SubscriptionDedup,
  field: string | undefined,
  viewer: Viewer | null,
  request: { operationName: string | undefined; query: string; variables: Record<string, unknown> },
): string | undefined {
  if (!viewer || dedup === 'off') return undefined;
  const broadcast = field !== undefined && BROADCAST_FIELDS.has(field);
  if (!broadcast && dedup !== 'on') return undefined;
  const { operationName, query, variables } = request;
  return JSON.stringify([
    viewer.role,
    broadcast ? null : viewer.userId,
    operationName ?? null,
    query,
    variables,
  ]);
}

/** The root field of the operation (a subscription has exactly one). */
function rootFieldOf(document: DocumentNode, operationName: string | undefined): string | undefined {
  const operation = document.definitions.find(
    (d) =>
      d.kind === Kind.OPERATION_DEFINITION &&
      (operationName === undefined || d.name?.value === operationName),
  );
  if (operation?.kind !== Kind.OPERATION_DEFINITION) return undefined;
  const [first] = operation.selectionSet.selections;
  return first?.kind === Kind.FIELD ? first.name.value : undefined;
}

type Out = PushIterator<ExecutionResult<Record<string, unknown>>>;

/** One upstream subscription and the client subscriptions it serves. */
interface Stream {
  /** Set for a stream that later identical subscriptions may join (sharingKey). */
  key: string | undefined;
  members: Map<Out, GatewayContext>;
  /**
   * Members whose results go to their NextSink. A member switches once graphql-ws waits on its
   * iterator with nothing queued, so a direct write never overtakes a queued result.
   */
  direct: Set<Out>;
  upstream: UpstreamSubscription;
  run: EventExecution;
  closed: boolean;
}

const unavailable = (service: string, error: unknown) =>
  new GraphQLError(`The ${service} service stopped serving this subscription; subscribe again later`, {
    extensions: {
      code: isTimeoutClose(error) ? 'SUBGRAPH_TIMEOUT' : 'SUBGRAPH_UNAVAILABLE',
      serviceName: service,
    },
  });

/** graphql-ws sends GraphQLError instances; keep what formatError decided the client sees. */
const asGraphQLError = (e: GraphQLFormattedError) =>
  new GraphQLError(e.message, { path: e.path, extensions: e.extensions });

/**
 * Federated subscriptions on the gateway's own `/graphql` (graphql-ws). Each subscription is
 * planned by the query planner; its primary part is forwarded to the owning subgraph with the
 * caller's token (over one upstream socket per subgraph and token), and each event is
 * completed across subgraphs by the rest of the plan. Identical subscriptions (sharingKey:
 * broadcast fields per role, the rest per viewer) are subscribed upstream once, and each
 * event is executed once for all of them.
 */
export function attachGatewaySubscriptions(options: GatewaySubscriptionsOptions): GatewaySubscriptions {
  const { planner, logger } = options;
  const formatError = makeFormatError(logger);
  const connections = new UpstreamConnections({ ...DEFAULT_UPSTREAM_POLICY, ...options.upstream });
  const dedup = options.dedup ?? 'on';
  const serialise = options.serialise ?? 'once';
  const shared = new Map<string, Stream>();
  let upstreams = 0;

  const openUpstream = (run: EventExecution, upstreamVariables: Record<string, unknown>) => {
    const url = options.urls[run.primary.serviceName];
    if (!url) throw new Error(`no URL for subgraph ${run.primary.serviceName}`);
    return connections.subscribe(url, run.context.authorization ?? '', {
      query: run.primary.operation,
      variables: upstreamVariables,
      operationName: run.primary.operationName,
    });
  };

  const closeStream = (stream: Stream) => {
    if (stream.closed) return;
    stream.closed = true;
    upstreams -= 1;
    if (stream.key && shared.get(stream.key) === stream) shared.delete(stream.key);
    stream.upstream
      .dispose()
      .catch((error: unknown) => logger.warn({ err: error }, 'closing an upstream subscription failed'));
  };

  /** Another member's token, when the one the stream was opened with has expired. */
  const freshestOther = (stream: Stream): GatewayContext | undefined => {
    let best: GatewayContext | undefined;
    for (const context of stream.members.values()) {
      const expires = context.viewer?.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
      if (context.authorization === stream.run.context.authorization || expires <= epochMs() + 1000) continue;
      if (context.viewer && options.verifier.isRevoked(context.viewer)) continue;
      const bestExpires = best?.viewer?.expiresAt?.getTime() ?? Number.NEGATIVE_INFINITY;
      if (!best || expires > bestExpires) best = context;
    }
    return best;
  };

  /** The owning subgraph stopped serving the stream: every member is told, none hangs. */
  const failStream = (stream: Stream, error: unknown) => {
    const service = stream.run.primary.serviceName;
    logger.warn({ err: error, service }, 'upstream subscription failed');
    for (const out of stream.members.keys()) {
      out.push({ errors: [unavailable(service, error)] });
      out.end();
    }
    closeStream(stream);
  };

  const pump = async (stream: Stream, upstreamVariables: Record<string, unknown>): Promise<void> => {
    try {
      for await (const event of stream.upstream.iterator) {
        if (stream.closed) return;
        const result = await executeEvent(stream.run, event);
        const errors = result.errors?.map((e) => asGraphQLError(formatError(e.toJSON(), e)));
        const data = (result.data ?? null) as Record<string, unknown> | null;
        const payload = errors?.length ? { data, errors } : { data };
        let json: string | undefined;
        for (const [out, member] of stream.members) {
          const sink = member.nextSink;
          if (sink && (stream.direct.has(out) || out.waiting)) {
            stream.direct.add(out);
            sink.send((json ??= JSON.stringify(payload)));
          } else out.push(payload);
        }
        // A refusal (e.g. FORBIDDEN for this role) ends the stream: nobody joins it any more.
        if (!data && stream.key && shared.get(stream.key) === stream) shared.delete(stream.key);
      }
      for (const out of stream.members.keys()) out.end();
      closeStream(stream);
    } catch (error) {
      if (stream.closed) return;
      // A shared stream outlives the token it was opened with: carry on with a member's.
      const next = stream.key && isForbiddenClose(error) ? freshestOther(stream) : undefined;
      if (next) {
        stream.upstream
          .dispose()
          .catch((e: unknown) => logger.warn({ err: e }, 'closing an upstream subscription failed'));
        stream.run = { ...stream.run, context: next };
        stream.upstream = openUpstream(stream.run, upstreamVariables);
        return pump(stream, upstreamVariables);
      }
      failStream(stream, error);
    }
  };

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
    const variables = (args.variableValues ?? {}) as Record<string, unknown>;
    const upstreamVariables = Object.fromEntries(
      (primary.variableUsages ?? [])
        .filter((name) => name in variables)
        .map((name) => [name, variables[name]]),
    );
    const query = args.document.loc?.source.body ?? print(args.document);
    const field = rootFieldOf(args.document, operationName);
    const key = sharingKey(dedup, field, context.viewer, { operationName, query, variables });

    let stream: Stream | undefined;
    const out: Out = createPushIterator(() => {
      if (!stream) return;
      stream.members.delete(out);
      stream.direct.delete(out);
      if (stream.members.size === 0) closeStream(stream);
    });
    const joined = key ? shared.get(key) : undefined;
    if (joined) {
      stream = joined;
      stream.members.set(out, context);
      return out;
    }
    const run: EventExecution = {
      planner,
      serviceMap: options.serviceMap,
      primary,
      rest,
      operationContext: buildOperationContext({
        schema: planner.apiGraphQLSchema,
        operationDocument: args.document,
        operationName,
      }),
      request: { query, variables, operationName },
      context,
      logger,
    };
    let upstream: UpstreamSubscription;
    try {
      upstream = openUpstream(run, upstreamVariables);
    } catch (error) {
      if (!(error instanceof TooManyUpstreamSubscriptions)) throw error;
      const refusal = new GraphQLError(error.message, { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } });
      return { errors: [refusal] } satisfies ExecutionResult;
    }
    stream = { key, members: new Map([[out, context]]), direct: new Set(), upstream, run, closed: false };
    upstreams += 1;
    if (key) shared.set(key, stream);
    const started = stream;
    void pump(started, upstreamVariables).catch((error: unknown) => failStream(started, error));
    return out;
  };

  const ws = attachGraphQLWs<GatewayContext>({
    server: options.server,
    path: '/graphql',
    schema: () => planner.apiGraphQLSchema,
    verifier: options.verifier,
    logger,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.ws ? { ws: options.ws } : {}),
    ...(options.trust ? { trust: options.trust } : {}),
    ...(options.refuseDocument ? { refuseDocument: options.refuseDocument } : {}),
    context: (viewer, authorization, sink) => ({
      viewer,
      authorization,
      correlationId: randomUUID(),
      ...(serialise === 'once' ? { nextSink: sink } : {}),
    }),
    execution: { subscribe, execute: subscribe },
  });
  return { ...ws, subscribe, upstreamCount: () => upstreams, upstreamSocketCount: () => connections.count() };
}
