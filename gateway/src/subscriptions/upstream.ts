import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';

/** The subgraph's graphql-ws endpoint: the same path as HTTP, on ws(s). */
export const wsUrlOf = (httpUrl: string) => httpUrl.replace(/^http/, 'ws');

export type UpstreamResult = FormattedExecutionResult<Record<string, unknown>, unknown>;

export interface UpstreamSubscription {
  iterator: AsyncIterableIterator<UpstreamResult>;
  dispose(): Promise<void>;
}

/**
 * Subscribes to the owning subgraph with the caller's token. One connection per subscription:
 * disposing it closes the socket at once, so nothing upstream outlives the client.
 */
export function subscribeUpstream(
  url: string,
  authorization: string,
  request: { query: string; variables: Record<string, unknown>; operationName?: string },
): UpstreamSubscription {
  const client: Client = createClient({
    url: wsUrlOf(url),
    webSocketImpl: WebSocket,
    connectionParams: { authorization },
    lazy: true,
    retryAttempts: 0,
    // An upstream that stops answering pings is as good as gone.
    keepAlive: 10_000,
  });
  const iterator = client.iterate<Record<string, unknown>>(request);
  return {
    iterator,
    dispose: async () => {
      await iterator.return?.();
      await client.dispose();
    },
  };
}
