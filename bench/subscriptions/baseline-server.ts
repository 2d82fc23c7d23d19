/**
 * B_ws: a plain graphql-ws server (graphql-ws + ws, no federation, no auth, no database) with
 * one subscription field. Run as a child process of main.ts, which holds the clients; on
 * `{ type: 'publish', count }` it pushes `count` events, back to back, to every subscriber.
 */
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import {
  GraphQLInt,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  type GraphQLFieldConfig,
} from 'graphql';
import { createPushIterator, type PushIterator } from '@ates/service-kit';

interface Tick {
  seq: number;
  day: string;
  managementEarnings: string;
  feesCharged: string;
  rewardsPaid: string;
}

const subscribers = new Set<PushIterator<{ tick: Tick }>>();

const TickType = new GraphQLObjectType({
  name: 'Tick',
  fields: {
    seq: { type: new GraphQLNonNull(GraphQLInt) },
    day: { type: new GraphQLNonNull(GraphQLString) },
    managementEarnings: { type: new GraphQLNonNull(GraphQLString) },
    feesCharged: { type: new GraphQLNonNull(GraphQLString) },
    rewardsPaid: { type: new GraphQLNonNull(GraphQLString) },
  },
});

const tick: GraphQLFieldConfig<unknown, unknown> = {
  type: new GraphQLNonNull(TickType),
  subscribe: () => {
    const iterator: PushIterator<{ tick: Tick }> = createPushIterator(() => subscribers.delete(iterator), {
      maxQueue: 100_000,
    });
    subscribers.add(iterator);
    return iterator;
  },
};

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: { ok: { type: GraphQLString, resolve: () => 'ok' } },
  }),
  subscription: new GraphQLObjectType({ name: 'Subscription', fields: { tick } }),
});

const server = http.createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server, path: '/graphql' });
// The gateway's ATES_WS_KEEPALIVE_MS in the bench: a pong deadline as long for both servers.
const cleanup = useServer({ schema }, wss, Number(process.env.BENCH_WS_KEEPALIVE_MS ?? 12_000));

let seq = 0;
process.on('message', (message: { type: string; count?: number }) => {
  if (message.type === 'subscribers') process.send?.({ type: 'subscribers', count: subscribers.size });
  if (message.type === 'publish') {
    for (let i = 0; i < (message.count ?? 1); i++) {
      seq += 1;
      const event = {
        tick: {
          seq,
          day: '2026-11-24',
          managementEarnings: String(1000 + seq) + '.00',
          feesCharged: String(2000 + seq) + '.00',
          rewardsPaid: '1000.00',
        },
      };
      for (const subscriber of subscribers) subscriber.push(event);
    }
  }
  if (message.type === 'stop') {
    for (const socket of wss.clients) socket.close(1001, 'bye');
    void Promise.resolve(cleanup.dispose()).then(() => server.close(() => process.exit(0)));
  }
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  process.send?.({ type: 'ready', url: `http://127.0.0.1:${address.port}/graphql` });
});
