import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';

/** The subgraph's graphql-ws endpoint: the same path as HTTP, on ws(s). */
export const wsUrlOf = (httpUrl: string) => httpUrl.replace(/^http/, 'ws');

export type UpstreamResult = FormattedExecutionResult<Record<string, unknown>, unknown>;

export interface UpstreamSubscription {
  iterator: AsyncIterableIterator<UpstreamResult>;
  dispose(): Promise<void>;
}

export interface UpstreamRequest {
  query: string;
  variables: Record<string, unknown>;
  operationName?: string;
}

/** graphql-ws closes a socket with 4403 when its token is refused or has expired. */
export const isForbiddenClose = (error: unknown) =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 4403;

/**
 * Upstream graphql-ws connections, one per subgraph and token, each multiplexing every
 * subscription made with that token (a popug with three tabs open costs one upstream socket,
 * not three). The subgraph authenticates the connection, so subscriptions of different
 * tokens never share one. A connection closes the moment its last subscription is disposed,
 * so nothing upstream outlives the clients.
 */
export class UpstreamConnections {
  private readonly connections = new Map<string, { client: Client; subscriptions: number }>();

  subscribe(url: string, authorization: string, request: UpstreamRequest): UpstreamSubscription {
    const key = `${url}\n${authorization}`;
    let connection = this.connections.get(key);
    if (!connection) {
      connection = {
        client: createClient({
          url: wsUrlOf(url),
          webSocketImpl: WebSocket,
          connectionParams: { authorization },
          lazy: true,
          lazyCloseTimeout: 0,
          retryAttempts: 0,
          // An upstream that stops answering pings is as good as gone.
          keepAlive: 10_000,
        }),
        subscriptions: 0,
      };
      this.connections.set(key, connection);
    }
    const shared = connection;
    shared.subscriptions += 1;
    const iterator = shared.client.iterate<Record<string, unknown>>(request);
    let disposed = false;
    return {
      iterator,
      dispose: async () => {
        if (disposed) return;
        disposed = true;
        await iterator.return?.();
        shared.subscriptions -= 1;
        if (shared.subscriptions > 0) return;
        if (this.connections.get(key) === shared) this.connections.delete(key);
        await shared.client.dispose();
      },
    };
  }

  /** Open upstream sockets (or sockets about to open). */
  count(): number {
    return this.connections.size;
  }
}
