import type http from 'node:http';
import { WebSocketServer } from 'ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { CloseCode, type ServerOptions } from 'graphql-ws';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { DomainError, makeFormatError } from './errors.ts';
import type { TokenVerifier, Viewer } from './auth.ts';
import type { Logger } from './logger.ts';

export interface GraphQLWsOptions<Ctx> {
  server: http.Server;
  path: string;
  schema: GraphQLSchema;
  verifier: TokenVerifier;
  logger: Logger;
  /** Builds the per-operation context from the connection's verified viewer and its token header. */
  context: (viewer: Viewer, authorization: string) => Ctx;
  /** Replaces how operations run (the gateway plans them across subgraphs). */
  execution?: Pick<
    ServerOptions<Record<string, unknown>, Extra & Record<PropertyKey, unknown>>,
    'execute' | 'subscribe' | 'onSubscribe'
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
 * valid token (else it closes with 4403 Forbidden), and it closes when the token expires.
 */
export function attachGraphQLWs<Ctx extends object>(options: GraphQLWsOptions<Ctx>): GraphQLWsServer {
  const wss = new WebSocketServer({ server: options.server, path: options.path });
  const formatError = makeFormatError(options.logger);
  const viewers = new WeakMap<object, { viewer: Viewer; authorization: string }>();
  const cleanup = useServer<Record<string, unknown>>(
    {
      schema: options.schema,
      onConnect: async (ctx) => {
        try {
          const authorization = authorizationFromParams(ctx.connectionParams);
          const viewer = await options.verifier.viewerFromHeader(authorization);
          if (!viewer || !authorization) return false;
          viewers.set(ctx, { viewer, authorization });
          if (viewer.expiresAt) {
            const left = viewer.expiresAt.getTime() - Date.now();
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
      context: (ctx) => {
        const auth = viewers.get(ctx);
        if (!auth) throw new Error('subscription without an authenticated connection');
        return options.context(auth.viewer, auth.authorization);
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
        options.logger.warn({ errors: errors.map((e) => e.message) }, 'subscription error');
      },
    },
    wss,
  );
  return {
    stats: () => ({ sockets: wss.clients.size }),
    close: async () => {
      for (const socket of wss.clients) socket.close(1001, 'Server shutting down');
      await cleanup.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
