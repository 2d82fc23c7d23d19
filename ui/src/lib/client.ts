import { Client, cacheExchange, fetchExchange, mapExchange, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';

/** State of the graphql-ws connection, shown as the "live" indicator. */
export type LiveState = 'idle' | 'connecting' | 'live' | 'offline';

export interface AtesClientOptions {
  token: string | null;
  /** The API refused a signed-in client's token (UNAUTHENTICATED, or socket close 4401/4403). */
  onUnauthenticated: () => void;
  onLiveState?: (state: LiveState) => void;
  /** Same-origin by default: the gateway serves the app and `/graphql` (Vite proxies it in dev). */
  httpUrl?: string;
  wsUrl?: string;
}

export interface AtesClient {
  client: Client;
  dispose: () => void;
}

function defaultWsUrl(): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.host}/graphql`;
}

/** graphql-ws closes with 4401/4403 when the token is refused: retrying cannot help. */
function isAuthClose(event: unknown): boolean {
  const code = (event as { code?: unknown } | null)?.code;
  return code === 4401 || code === 4403;
}

/** A lazy client closes normally (1000) once no subscription is left. */
function isNormalClose(event: unknown): boolean {
  return (event as { code?: unknown } | null)?.code === 1000;
}

/**
 * One urql client per token: signing in or out builds a new client, so no cached data or
 * open subscription of one user survives into another user's session.
 */
export function createAtesClient(options: AtesClientOptions): AtesClient {
  const { token } = options;
  const authorization = token ? `Bearer ${token}` : null;
  let ws: WsClient | null = null;

  const wsClient = (): WsClient => {
    ws ??= createWsClient({
      url: options.wsUrl ?? defaultWsUrl(),
      lazy: true,
      connectionParams: () => (authorization ? { authorization } : {}),
      retryAttempts: Number.POSITIVE_INFINITY,
      shouldRetry: (event) => !isAuthClose(event),
      on: {
        connecting: () => options.onLiveState?.('connecting'),
        connected: () => options.onLiveState?.('live'),
        closed: (event) => {
          // The gateway closes with 4403 when the token is refused or expires: the session is over.
          if (isAuthClose(event)) {
            options.onLiveState?.('offline');
            if (authorization) options.onUnauthenticated();
          } else options.onLiveState?.(isNormalClose(event) ? 'idle' : 'connecting');
        },
      },
    });
    return ws;
  };

  const client = new Client({
    url: options.httpUrl ?? '/graphql',
    // POST always: the gateway's CSRF prevention refuses simple GET requests.
    preferGetMethod: false,
    fetchOptions: () => ({
      headers: {
        'content-type': 'application/json',
        ...(authorization ? { authorization } : {}),
      },
    }),
    requestPolicy: 'cache-and-network',
    exchanges: [
      mapExchange({
        onError(error) {
          if (!authorization) return;
          if (error.graphQLErrors.some((e) => e.extensions['code'] === 'UNAUTHENTICATED'))
            options.onUnauthenticated();
        },
      }),
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const unsubscribe = wsClient().subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });

  return {
    client,
    dispose: () => {
      void ws?.dispose();
      ws = null;
    },
  };
}
