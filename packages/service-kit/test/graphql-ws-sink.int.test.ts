import { afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { Socket } from 'node:net';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import {
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  type ExecutionResult,
} from 'graphql';
import WebSocket from 'ws';
import { TokenSigner, TokenVerifier } from '../src/auth.ts';
import { attachGraphQLWs, type GraphQLWsServer, type NextSink } from '../src/graphql-ws-server.ts';
import { createLogger } from '../src/logger.ts';
import { createPushIterator, type PushIterator } from '../src/push-iterator.ts';

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({ name: 'Query', fields: { ok: { type: GraphQLString } } }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: { tick: { type: new GraphQLNonNull(GraphQLString) } },
  }),
});

describe('graphql-ws NextSink (results serialised once, written per subscriber)', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  /** A graphql-ws server whose subscriptions hand out their sinks, and a raw protocol client on it. */
  async function serveAndConnect() {
    const { publicKey, privateKey } = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const signer = await TokenSigner.fromPem(privateKey, 60);
    const verifier = await TokenVerifier.fromPem(publicKey);
    const token = await signer.sign({ userId: randomUUID(), role: 'ADMIN' }, new Date());

    const server = http.createServer();
    const sinks: NextSink[] = [];
    const iterators: Array<PushIterator<ExecutionResult<Record<string, unknown>>>> = [];
    const ws: GraphQLWsServer = attachGraphQLWs<{ sink: NextSink }>({
      server,
      path: '/graphql',
      schema,
      verifier,
      logger: createLogger({ service: 'test', level: 'silent' }),
      context: (_viewer, _authorization, sink) => ({ sink }),
      execution: {
        // Nothing goes through graphql-ws' own path: each subscription hands out its sink.
        subscribe: (args) => {
          const iterator = createPushIterator<ExecutionResult<Record<string, unknown>>>(() => undefined);
          const { sink } = args.contextValue as { sink: NextSink };
          sinks.push(sink);
          iterators.push(iterator);
          return Promise.resolve(iterator);
        },
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    cleanup.push(() => ws.close());
    const { port } = server.address() as { port: number };

    // A raw protocol client: what the server writes, frame by frame.
    const socket = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
    cleanup.push(() => socket.close());
    const frames: Array<Record<string, unknown>> = [];
    socket.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    await until(() => frames.some((f) => f.type === 'connection_ack'));
    return { socket, frames, sinks, iterators };
  }

  const until = async (done: () => boolean) => {
    while (!done()) await new Promise((resolve) => setTimeout(resolve, 10));
  };

  it("writes the given payload verbatim as each subscription's own next message, and nothing once it completed", async () => {
    const { socket, frames, sinks, iterators } = await serveAndConnect();
    for (const id of ['a', 'b'])
      socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query: 'subscription { tick }' } }));
    await until(() => iterators.length === 2 && iterators.every((i) => i.waiting));

    frames.length = 0;
    for (const sink of sinks) sink.send('{"data":{"tick":"one"}}');
    await until(() => frames.length === 2);
    expect(frames.sort((x, y) => String(x.id).localeCompare(String(y.id)))).toEqual([
      { id: 'a', type: 'next', payload: { data: { tick: 'one' } } },
      { id: 'b', type: 'next', payload: { data: { tick: 'one' } } },
    ]);

    // b completes: its sink writes nothing more (a next after complete breaks the protocol).
    socket.send(JSON.stringify({ id: 'b', type: 'complete' }));
    await until(() => iterators[1]!.closed);
    frames.length = 0;
    for (const sink of sinks) sink.send('{"data":{"tick":"two"}}');
    await until(() => frames.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(frames).toEqual([{ id: 'a', type: 'next', payload: { data: { tick: 'two' } } }]);
  });

  it('closes a socket more than MAX_BUFFERED_BYTES behind with 1013 instead of buffering on', async () => {
    const { socket, frames, sinks, iterators } = await serveAndConnect();
    socket.send(JSON.stringify({ id: 'a', type: 'subscribe', payload: { query: 'subscription { tick }' } }));
    await until(() => iterators.length === 1 && iterators[0]!.waiting);
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    // The client stops reading: everything sent now stays in the server's buffers.
    const tcp = (socket as unknown as { _socket: Socket })._socket;
    tcp.pause();
    const results = 64;
    const payload = JSON.stringify({ data: { tick: 'x'.repeat(256 * 1024) } }); // 64 × 256 KiB = 16 MiB offered
    for (let i = 0; i < results; i++) sinks[0]!.send(payload);
    tcp.resume();
    const code = await Promise.race([
      closed,
      new Promise((resolve) => setTimeout(() => resolve('open'), 5_000)),
    ]);
    expect(code).toBe(1013);
    const delivered = frames.filter((f) => f.type === 'next').length;
    expect(delivered).toBeGreaterThan(0);
    expect(delivered).toBeLessThan(results);
  });

  it('tells whether a consumer waits with nothing queued (when a direct write cannot overtake a queued one)', async () => {
    const iterator = createPushIterator<number>(() => undefined);
    expect(iterator.waiting).toBe(false);
    iterator.push(1);
    expect(iterator.waiting).toBe(false);
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    const next = iterator.next();
    expect(iterator.waiting).toBe(true);
    iterator.push(2);
    expect(iterator.waiting).toBe(false);
    expect(await next).toEqual({ value: 2, done: false });
  });
});
