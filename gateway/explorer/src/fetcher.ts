import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit';
import { createClient, type Client, type ClientOptions } from 'graphql-ws';
import { tokenInResult } from './token.ts';

export interface ExplorerFetcher {
  fetcher: Fetcher;
  /** Closes the subscription socket (and with it every running subscription). */
  dispose(): void;
}

/** The gateway's endpoint on the page's own origin: HTTP for queries, graphql-ws for subscriptions. */
export function endpoints(location: Location = window.location): { http: string; ws: string } {
  const ws = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  return { http: '/graphql', ws };
}

/**
 * One fetcher per token. Queries and mutations are POSTed as JSON; subscriptions share one lazy graphql-ws socket that
 * carries the token in `connectionParams`, as the gateway checks it on connect. A result
 * that carries a token (logIn, signUp) is reported so the page can offer to use it.
 */
export function createExplorerFetcher(token: string, onToken: (token: string) => void): ExplorerFetcher {
  const { http, ws } = endpoints();
  const authorization = token ? `Bearer ${token}` : undefined;
  const wsClient = reusableClient({
    url: ws,
    lazy: true,
    connectionParams: authorization ? { authorization } : {},
    // A refused token (4401/4403) must surface as an error, not as endless reconnects.
    retryAttempts: 0,
  });
  const graphiql = createGraphiQLFetcher({
    url: http,
    wsClient,
    headers: {
      'content-type': 'application/json',
      ...(authorization ? { authorization } : {}),
    },
    enableIncrementalDelivery: false,
  });
  const fetcher: Fetcher = async (params, opts) => {
    const result = await graphiql(params, opts);
    const found = tokenInResult(result);
    if (found && found !== token) onToken(found);
    return result;
  };
  return { fetcher, dispose: () => void wsClient.dispose() };
}

/**
 * A graphql-ws client created on first use, and again after `dispose()`: React may dispose a
 * memoized fetcher's socket in an effect cleanup and then keep using the fetcher (StrictMode).
 */
function reusableClient(options: ClientOptions): Client {
  let current: Client | null = null;
  const client = () => (current ??= createClient(options));
  return {
    on: (event, listener) => client().on(event, listener),
    subscribe: (payload, sink) => client().subscribe(payload, sink),
    iterate: (payload) => client().iterate(payload),
    terminate: () => current?.terminate(),
    dispose: () => {
      const disposing = current;
      current = null;
      return disposing?.dispose();
    },
  };
}
