import { Client, cacheExchange, fetchExchange, mapExchange, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { print } from 'graphql';
import { LogOutDocument, RefreshTokenDocument } from '../generated/operations.ts';
import { session, type RefreshExchange } from './session.ts';

/** State of the graphql-ws connection, shown as the "live" indicator. */
export type LiveState = 'idle' | 'connecting' | 'live' | 'offline';

export interface AtesClientOptions {
  /** Whether a session is open; its tokens are read from `session` at each request. */
  signedIn: boolean;
  /** The API refused a signed-in client's token and renewing it failed (session over). */
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

/** The gateway closes with 4403 "Token expired" at expiry: reconnect with a renewed token. */
function isExpiredClose(event: unknown): boolean {
  const { code, reason } = (event ?? {}) as { code?: unknown; reason?: unknown };
  return code === 4403 && typeof reason === 'string' && reason.startsWith('Token expired');
}

/** The server's answer to RefreshToken, outside urql (no exchange may wait on itself). */
function refreshExchange(url: string): RefreshExchange {
  return async (refreshToken) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: print(RefreshTokenDocument),
        operationName: 'RefreshToken',
        variables: { refreshToken },
      }),
    });
    const body = (await response.json()) as {
      data?: { refreshToken?: { token: string; refreshToken: string; expiresAt: string } } | null;
      errors?: Array<{ extensions?: { code?: string } }>;
    };
    const next = body.data?.refreshToken;
    if (next)
      return { token: next.token, refreshToken: next.refreshToken, expiresAt: String(next.expiresAt) };
    if (body.errors?.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) return null;
    throw new Error('the session could not be renewed');
  };
}

/** Ends the session on the server too (its refresh token); the tab signs out whatever happens. */
export function revokeSession(url = '/graphql'): void {
  const refreshToken = session.refreshToken();
  session.signOut();
  if (!refreshToken) return;
  void fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: print(LogOutDocument),
      operationName: 'LogOut',
      variables: { refreshToken },
    }),
  }).catch(() => undefined);
}

/** A lazy client closes normally (1000) once no subscription is left. */
function isNormalClose(event: unknown): boolean {
  return (event as { code?: unknown } | null)?.code === 1000;
}

/**
 * One urql client per session: signing in or out builds a new client, so no cached data or
 * open subscription of one user survives into another user's session. Within a session the
 * access token is renewed silently before each request that would carry an expiring one.
 */
export function createAtesClient(options: AtesClientOptions): AtesClient {
  const { signedIn } = options;
  const httpUrl = options.httpUrl ?? '/graphql';
  const exchange = refreshExchange(httpUrl);
  const authorization = async () => {
    const token = signedIn ? await session.freshToken(exchange) : null;
    return token ? `Bearer ${token}` : null;
  };
  let ws: WsClient | null = null;

  const wsClient = (): WsClient => {
    ws ??= createWsClient({
      url: options.wsUrl ?? defaultWsUrl(),
      lazy: true,
      connectionParams: async () => {
        const value = await authorization();
        return value ? { authorization: value } : {};
      },
      retryAttempts: Number.POSITIVE_INFINITY,
      shouldRetry: (event) => !isAuthClose(event) || isExpiredClose(event),
      on: {
        connecting: () => options.onLiveState?.('connecting'),
        connected: () => options.onLiveState?.('live'),
        closed: (event) => {
          // Refused (revoked, say): the session is over unless its refresh token still works.
          if (isAuthClose(event) && !isExpiredClose(event)) {
            options.onLiveState?.('offline');
            if (signedIn) void renewOrEnd();
          } else options.onLiveState?.(isNormalClose(event) ? 'idle' : 'connecting');
        },
      },
    });
    return ws;
  };

  /** A refused token: a revoked one cannot be renewed (the session ends), an expired one can. */
  const renewOrEnd = async () => {
    const renewed = await session.renew(exchange).catch(() => false);
    if (!renewed) options.onUnauthenticated();
  };

  const client = new Client({
    url: httpUrl,
    // POST always: the gateway's CSRF prevention refuses simple GET requests.
    preferGetMethod: false,
    fetchOptions: () => ({ headers: { 'content-type': 'application/json' } }),
    // The token is added here, after renewing it if it is about to expire.
    fetch: async (input, init) => {
      const value = await authorization();
      const headers = { ...(init?.headers as Record<string, string> | undefined) };
      if (value) headers['authorization'] = value;
      return fetch(input, { ...init, headers });
    },
    requestPolicy: 'cache-and-network',
    exchanges: [
      mapExchange({
        onError(error) {
          if (!signedIn) return;
          if (error.graphQLErrors.some((e) => e.extensions['code'] === 'UNAUTHENTICATED')) void renewOrEnd();
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
