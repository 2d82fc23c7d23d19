import { connect, type NatsConnection } from '@nats-io/transport-node';

export interface ConnectNatsOptions {
  name?: string;
  /** Delay between reconnect attempts; the client retries forever. */
  reconnectTimeWaitMs?: number;
}

/**
 * A connection that never gives up reconnecting: a NATS restart must not take a service down;
 * the relay and consumers retry their work until the server is back. `url` may list several
 * servers of a cluster, comma-separated (`nats://nats-1:4222,nats://nats-2:4222`): the client
 * starts with any that answers and learns the rest of the cluster from it. A timeout's error
 * says what timed out, without the stack of the call that started it.
 */
export function connectNats(url: string, options: ConnectNatsOptions = {}): Promise<NatsConnection> {
  const servers = url
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return connect({
    servers,
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: options.reconnectTimeWaitMs ?? 500,
    waitOnFirstConnect: true,
    // Otherwise every request (each JetStream publish, each pull) builds an Error up front for
    // the stack of a timeout that almost never happens (~10% of the relay's CPU).
    noAsyncTraces: true,
  });
}
