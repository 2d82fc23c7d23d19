import { epochMs } from './clock.ts';
import type http from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { CloseCode, type ServerOptions } from 'graphql-ws';
import { GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import { DomainError, makeFormatError } from './errors.ts';
import { TOKEN_REVOKED_CLOSE, type TokenVerifier, type Viewer } from './auth.ts';
import type { Logger } from './logger.ts';
import { clientAddress, type TrustedProxies } from './client-address.ts';
import {
  checkOperation,
  DEFAULT_OPERATION_LIMITS,
  DEFAULT_WS_LIMITS,
  type OperationLimits,
  type WsLimits,
} from './operation-limits.ts';

/**
 * Writes one subscription's `next` messages straight onto its socket, from a payload serialised
 * once for every subscriber of the same result (graphql-ws would stringify it per subscriber).
 */
export interface NextSink {
  /** Sends `{ id, type: "next", payload }` with `payloadJson` as the payload, verbatim. */
  send(payloadJson: string): void;
}

/** A socket this far behind on its writes is closed (1013) rather than buffered without bound. */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export interface GraphQLWsOptions<Ctx> {
  server: http.Server;
  path: string;
  /** Or a function, for a schema built at the first subscription rather than at start. */
  schema: GraphQLSchema | (() => GraphQLSchema);
  verifier: TokenVerifier;
  logger: Logger;
  /**
   * Builds the per-operation context from the connection's verified viewer and its token
   * header; `sink` writes the operation's results directly (see NextSink).
   */
  context: (viewer: Viewer, authorization: string, sink: NextSink) => Ctx;
  /** Operation limits (default DEFAULT_OPERATION_LIMITS), as over HTTP. */
  limits?: OperationLimits;
  /** Socket limits over DEFAULT_WS_LIMITS. */
  ws?: Partial<WsLimits>;
  /** Proxies whose X-Forwarded-For names the client (per-address cap); default none. */
  trust?: TrustedProxies;
  /** Refuses a (parsed, within limits) document for this viewer, e.g. one not trusted. */
  refuseDocument?: (document: DocumentNode, viewer: Viewer) => GraphQLError | undefined;
  /** Replaces how operations run (the gateway plans them across subgraphs). */
  execution?: Pick<
    ServerOptions<Record<string, unknown>, Extra & Record<PropertyKey, unknown>>,
    'execute' | 'subscribe'
  >;
}

export interface GraphQLWsServer {
  /** Open sockets right now (tests assert nothing leaks). */
  stats(): { sockets: number };
  close(): Promise<void>;
}

/** The token a graphql-ws client sends: `connectionParams: { authorization: "Bearer …" }`. */
export function authorizationFromParams(
  params: Readonly<Record<string, unknown>> | undefined,
): string | undefined {
  const value = params?.authorization ?? params?.Authorization;
  return typeof value === 'string' ? value : undefined;
}

/**
 * graphql-ws on the same port and path as GraphQL over HTTP. Every connection must carry a
 * valid token (else it closes with 4403 Forbidden), and it closes when the token expires
 * (4403 `Token expired`) or is revoked (TOKEN_REVOKED_CLOSE: 4403 `Token revoked: log in again`).
 */
export function attachGraphQLWs<Ctx extends object>(options: GraphQLWsOptions<Ctx>): GraphQLWsServer {
  const limits = options.limits ?? DEFAULT_OPERATION_LIMITS;
  const wsLimits = { ...DEFAULT_WS_LIMITS, ...options.ws };
  const perAddress = new Map<string, number>();
  const wss = new WebSocketServer({
    server: options.server,
    path: options.path,
    maxPayload: wsLimits.maxPayloadBytes,
    verifyClient: (info, done) => {
      const cap = wsLimits.maxConnectionsPerAddress;
      if (cap === undefined) return done(true);
      const trust = options.trust ?? (() => false);
      const address =
        clientAddress(info.req.socket.remoteAddress, info.req.headers['x-forwarded-for'], trust) ?? '';
      const open = perAddress.get(address) ?? 0;
      if (open >= cap) return done(false, 429, 'Too many connections from this address');
      perAddress.set(address, open + 1);
      // The count drops when this request's socket closes, upgraded or not.
      info.req.socket.once('close', () => {
        const left = (perAddress.get(address) ?? 1) - 1;
        if (left > 0) perAddress.set(address, left);
        else perAddress.delete(address);
      });
      done(true);
    },
  });
  const formatError = makeFormatError(options.logger);
  const { schema } = options;
  const schemaOf = typeof schema === 'function' ? schema : () => schema;
  const viewers = new WeakMap<object, { viewer: Viewer; authorization: string }>();
  /** Open sockets per user, so a revocation closes that user's sockets at once. */
  const socketsOf = new Map<string, Map<{ close(code: number, reason: string): void }, Viewer>>();
  const stopRevocations = options.verifier.onRevoked((revocation) => {
    for (const [socket, viewer] of socketsOf.get(revocation.userId) ?? []) {
      if ((viewer.generation ?? 0) < revocation.generation)
        socket.close(TOKEN_REVOKED_CLOSE.code, TOKEN_REVOKED_CLOSE.reason);
    }
  });
  const cleanup = useServer<Record<string, unknown>>(
    {
      schema: () => schemaOf(),
      connectionInitWaitTimeout: wsLimits.connectionInitTimeoutMs,
      // Limits before anything else: the socket's subscription count, then the document's
      // (parse with its token limit, our rules, and the schema's rules only for a document within them).
      onSubscribe: (ctx, _id, payload) => {
        if (Object.keys(ctx.subscriptions).length > wsLimits.maxSubscriptionsPerSocket)
          return [
            new GraphQLError(
              `At most ${wsLimits.maxSubscriptionsPerSocket} subscriptions may be open on one connection`,
              { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } },
            ),
          ];
        const checked = checkOperation(schemaOf(), payload.query, limits);
        if ('errors' in checked) return checked.errors;
        const auth = viewers.get(ctx);
        const refused = auth && options.refuseDocument?.(checked.document, auth.viewer);
        if (refused) return [refused];
        return {
          schema: schemaOf(),
          document: checked.document,
          operationName: payload.operationName,
          variableValues: payload.variables,
        };
      },
      onConnect: async (ctx) => {
        try {
          const authorization = authorizationFromParams(ctx.connectionParams);
          const viewer = await options.verifier.viewerFromHeader(authorization);
          if (!viewer || !authorization) return false;
          viewers.set(ctx, { viewer, authorization });
          const socket = ctx.extra.socket;
          const mine = socketsOf.get(viewer.userId) ?? new Map();
          socketsOf.set(viewer.userId, mine.set(socket, viewer));
          socket.once('close', () => {
            mine.delete(socket);
            if (mine.size === 0 && socketsOf.get(viewer.userId) === mine) socketsOf.delete(viewer.userId);
          });
          if (viewer.expiresAt) {
            const left = viewer.expiresAt.getTime() - epochMs();
            const timer = setTimeout(
              () => ctx.extra.socket.close(CloseCode.Forbidden, 'Token expired'),
              Math.max(0, left),
            );
            ctx.extra.socket.once('close', () => clearTimeout(timer));
          }
          return true;
        } catch (error) {
          if (error instanceof DomainError) return false;
          throw error;
        }
      },
      context: (ctx, id) => {
        const auth = viewers.get(ctx);
        if (!auth) throw new Error('subscription without an authenticated connection');
        const socket = ctx.extra.socket;
        const prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
        const sink: NextSink = {
          send: (payloadJson) => {
            // Completed (graphql-ws forgot the id) or closed: a next now would break the protocol.
            if (!(id in ctx.subscriptions) || socket.readyState !== WebSocket.OPEN) return;
            // graphql-ws' own path waits for each write; this one must bound what it buffers.
            if (socket.bufferedAmount > MAX_BUFFERED_BYTES)
              return socket.close(1013, 'Too far behind on subscription results');
            socket.send(prefix + payloadJson + '}');
          },
        };
        return options.context(auth.viewer, auth.authorization, sink);
      },
      // Errors over WebSocket get the same treatment as over HTTP: codes kept, internals masked.
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors?.length) return undefined;
        const errors = result.errors.map((error) => {
          const formatted = formatError(error.toJSON(), error);
          return new GraphQLError(formatted.message, {
            path: formatted.path,
            extensions: formatted.extensions,
          });
        });
        return { ...result, errors };
      },
      ...options.execution,
      onError: (_ctx, _id, _payload, errors) => {
        // Debug only: a client may send thousands of refused operations (logged for its own sake).
        options.logger.debug({ errors: errors.slice(0, 3).map((e) => e.message) }, 'subscription error');
        const kept = errors.slice(0, limits.maxErrors).map((error) => formatError(error.toJSON(), error));
        return kept;
      },
    },
    wss,
    wsLimits.keepAliveMs,
  );
  return {
    stats: () => ({ sockets: wss.clients.size }),
    close: async () => {
      stopRevocations();
      for (const socket of wss.clients) socket.close(1001, 'Server shutting down');
      await cleanup.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
