import { connect, type NatsConnection } from '@nats-io/transport-node';
import { natsServers } from '@ates/service-kit';

export interface ConnectNatsOptions {
  name?: string;
  /** Delay between reconnect attempts; the client retries forever. */
  reconnectTimeWaitMs?: number;
  /**
   * A server that stops answering (a host that died without closing the socket) is given up
   * after `maxPingOut` unanswered pings this far apart, then the next server is tried.
   * Default 2 s (nats.js: 2 min).
   */
  pingIntervalMs?: number;
}

/**
 * A connection that never gives up reconnecting: a NATS restart must not take a service down;
 * the relay and consumers retry their work until the server is back. `url` may list several
 * servers of a cluster, comma-separated (`nats://nats-1:4222,nats://nats-2:4222`): the client
 * starts with any that answers and learns the rest of the cluster from it. A timeout's error
 * says what timed out, without the stack of the call that started it.
 */
export function connectNats(url: string, options: ConnectNatsOptions = {}): Promise<NatsConnection> {
  return connect({
    servers: natsServers(url),
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: options.reconnectTimeWaitMs ?? 500,
    waitOnFirstConnect: true,
    pingInterval: options.pingIntervalMs ?? 2000,
    maxPingOut: 2,
    // Otherwise every request (each JetStream publish, each pull) builds an Error up front for
    // the stack of a timeout that almost never happens (~10% of the relay's CPU).
    noAsyncTraces: true,
  });
}
