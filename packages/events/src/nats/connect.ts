import { connect, type NatsConnection } from '@nats-io/transport-node';

export interface ConnectNatsOptions {
  name?: string;
  /** Delay between reconnect attempts; the client retries forever. */
  reconnectTimeWaitMs?: number;
}

/**
 * A connection that never gives up reconnecting: a NATS restart must not take a service down;
 * the relay and consumers retry their work until the server is back.
 */
export function connectNats(url: string, options: ConnectNatsOptions = {}): Promise<NatsConnection> {
  return connect({
    servers: url,
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: options.reconnectTimeWaitMs ?? 500,
    waitOnFirstConnect: true,
  });
}
