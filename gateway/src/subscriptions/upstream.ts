import { randomFraction } from '@ates/service-kit';
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

/** How the gateway holds its upstream sockets to one subgraph. */
export interface UpstreamPolicy {
  /** Reconnections (with the subscriptions re-sent) before the clients are told it failed. */
  retryAttempts: number;
  /** First wait between reconnections; doubled each time, plus up to as much again at random. */
  retryBaseMs: number;
  /** The WebSocket upgrade and the connection_ack, each, must come within this. */
  connectTimeoutMs: number;
  /** Ping interval; a pong missing for as long drops the socket (a hung subgraph). */
  keepAliveMs: number;
  /** Subscriptions on one upstream socket (one subgraph and token): one client cannot pin more. */
  maxSubscriptionsPerConnection: number;
}

export const DEFAULT_UPSTREAM_POLICY: UpstreamPolicy = {
  retryAttempts: 3,
  retryBaseMs: 250,
  connectTimeoutMs: 5_000,
  keepAliveMs: 10_000,
  maxSubscriptionsPerConnection: 100,
};

/** graphql-ws closes a socket with 4403 when its token is refused or has expired. */
export const isForbiddenClose = (error: unknown) =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 4403;

/** Close codes that mean the subgraph did not answer in time (ours below, graphql-ws' 4504). */
const PONG_TIMEOUT = 4408;
const TIMEOUT_CLOSES = new Set([PONG_TIMEOUT, 4504]);

/** The upstream failed because the subgraph stopped answering, not because it refused. */
export const isTimeoutClose = (error: unknown) =>
  (typeof error === 'object' &&
    error !== null &&
    TIMEOUT_CLOSES.has((error as { code?: number }).code ?? 0)) ||
  (error instanceof Error && /handshake has timed out/i.test(error.message));

export class TooManyUpstreamSubscriptions extends Error {}

/**
 * Upstream graphql-ws connections, one per subgraph and token, each multiplexing every
 * subscription made with that token (a popug with three tabs open costs one upstream socket,
 * not three). The subgraph authenticates the connection, so subscriptions of different
 * tokens never share one. A connection closes the moment its last subscription is disposed,
 * so nothing upstream outlives the clients. A lost connection is retried with backoff, then
 * fails every subscription on it (the clients get an error, never silence).
 */
export class UpstreamConnections {
  private readonly connections = new Map<string, { client: Client; subscriptions: number }>();

  constructor(private readonly policy: UpstreamPolicy = DEFAULT_UPSTREAM_POLICY) {}

  private connect(url: string, authorization: string): Client {
    const { connectTimeoutMs, keepAliveMs, retryAttempts, retryBaseMs } = this.policy;
    // ws' own handshake timeout: a subgraph that accepts TCP but never upgrades (stopped) fails.
    class TimedWebSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { handshakeTimeout: connectTimeoutMs });
      }
    }
    let socket: WebSocket | undefined;
    let pongDue: NodeJS.Timeout | undefined;
    return createClient({
      url: wsUrlOf(url),
      webSocketImpl: TimedWebSocket,
      connectionParams: { authorization },
      lazy: true,
      lazyCloseTimeout: 0,
      retryAttempts,
      retryWait: (retries) =>
        new Promise((resolve) => setTimeout(resolve, retryBaseMs * 2 ** retries * (1 + randomFraction()))),
      // Retry whatever closed the socket, except a refused token (the stream may switch tokens).
      shouldRetry: (closed) => !isForbiddenClose(closed),
      connectionAckWaitTimeout: connectTimeoutMs,
      keepAlive: keepAliveMs,
      on: {
        connected: (s) => (socket = s as WebSocket),
        ping: (received) => {
          if (received) return;
          clearTimeout(pongDue);
          pongDue = setTimeout(() => socket?.close(PONG_TIMEOUT, 'Pong timeout'), keepAliveMs);
        },
        pong: (received) => {
          if (received) clearTimeout(pongDue);
        },
        closed: () => clearTimeout(pongDue),
      },
    });
  }

  subscribe(url: string, authorization: string, request: UpstreamRequest): UpstreamSubscription {
    const key = `${url}\n${authorization}`;
    let connection = this.connections.get(key);
    if (connection && connection.subscriptions >= this.policy.maxSubscriptionsPerConnection)
      throw new TooManyUpstreamSubscriptions(
        `At most ${this.policy.maxSubscriptionsPerConnection} subscriptions per subgraph and token`,
      );
    if (!connection) {
      connection = { client: this.connect(url, authorization), subscriptions: 0 };
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
