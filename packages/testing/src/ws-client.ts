import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';

export type WsResult = FormattedExecutionResult<Record<string, unknown>, unknown>;

export interface TestSubscription {
  /** The next result, or a rejection after `timeoutMs` (no sleeping: it resolves on arrival). */
  next(timeoutMs?: number): Promise<WsResult>;
  /** Results received so far and not yet taken with `next`. */
  pending(): WsResult[];
  /** Resolves when the subscription ended (completed or failed), with the failure if any. */
  ended: Promise<unknown>;
  close(): Promise<void>;
}

export interface WsConnection {
  client: Client;
  /** Resolves with the close code when the server closes the socket. */
  closed: Promise<number>;
  /** The same close, with its reason. */
  closedWith: Promise<{ code: number; reason: string }>;
  subscribe(query: string, variables?: Record<string, unknown>): Promise<TestSubscription>;
  dispose(): Promise<void>;
}

/** A graphql-ws client as a browser would use it: token in connectionParams, no retries. */
export function connectWs(httpUrl: string, token?: string): WsConnection {
  let resolveClosed: (close: { code: number; reason: string }) => void = () => {};
  const closedWith = new Promise<{ code: number; reason: string }>((resolve) => (resolveClosed = resolve));
  const closed = closedWith.then((close) => close.code);
  const client = createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: false,
    // Reported through `closed` instead of the console.
    onNonLazyError: () => undefined,
    on: {
      closed: (event) => {
        const { code, reason } = event as { code: number; reason?: unknown };
        resolveClosed({ code, reason: typeof reason === 'string' ? reason : String(reason ?? '') });
      },
    },
  });
  // A connection the server refuses ends in a close event, not an error to report here.
  client.on('error', () => undefined);
  return {
    client,
    closed,
    closedWith,
    dispose: async () => {
      await client.dispose();
    },
    async subscribe(query, variables = {}) {
      const queue: WsResult[] = [];
      const waiters: Array<(r: WsResult) => void> = [];
      let resolveEnded: (value: unknown) => void = () => {};
      const ended = new Promise<unknown>((resolve) => (resolveEnded = resolve));
      const unsubscribe = client.subscribe<Record<string, unknown>, unknown>(
        { query, variables },
        {
          next: (value) => {
            const waiter = waiters.shift();
            if (waiter) waiter(value);
            else queue.push(value);
          },
          error: (error) => resolveEnded(error),
          complete: () => resolveEnded(undefined),
        },
      );
      // graphql-ws has no per-subscription acknowledgement: tests wait for the server side to
      // be listening (e.g. a service's live stats) before they cause an event.
      return {
        pending: () => [...queue],
        ended,
        next: (timeoutMs = 5000) => {
          const value = queue.shift();
          if (value) return Promise.resolve(value);
          return new Promise<WsResult>((resolve, reject) => {
            const waiter = (r: WsResult) => {
              clearTimeout(timer);
              resolve(r);
            };
            // A waiter that timed out must not stay registered: it would swallow a later event.
            const timer = setTimeout(() => {
              const at = waiters.indexOf(waiter);
              if (at >= 0) waiters.splice(at, 1);
              reject(new Error(`no subscription event within ${timeoutMs} ms`));
            }, timeoutMs);
            waiters.push(waiter);
          });
        },
        close: async () => unsubscribe(),
      };
    },
  };
}
