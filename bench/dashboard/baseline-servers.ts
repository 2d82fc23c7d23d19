/**
 * The baselines' servers, each run as a child process of main.ts (so its CPU is its own and
 * autocannon does not share its event loop). `process.argv[2]` picks one:
 * - `node`: B_node, bare `node:http` answering every request with the same 1 KB of JSON;
 * - `fed-a`, `fed-b`: B_fed's two trivial `@apollo/subgraph` servers (`User` in both);
 * - `fed-gateway`: B_fed's `@apollo/gateway` over them (URLs in FED_A_URL / FED_B_URL),
 *   composed at start by IntrospectAndCompose.
 * Each tells its parent `{ type: 'ready', url, pid }` over IPC once it listens.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway, IntrospectAndCompose } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLSchemaModule } from '@apollo/subgraph/dist/schema-helper';
import { parse } from 'graphql';

const mode = process.argv[2];
const ready = (url: string) => process.send?.({ type: 'ready', url, pid: process.pid });

/** About 1 KB of JSON, built once. */
const FIXED_JSON = JSON.stringify({
  data: {
    items: Array.from({ length: 12 }, (_, i) => ({
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      title: `Fixed item number ${i}`,
      done: i % 2 === 0,
    })),
  },
});

async function nodeServer(): Promise<void> {
  const body = Buffer.from(FIXED_JSON);
  const server = http.createServer((req, res) => {
    // Drain the request body (autocannon may POST), then answer.
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  ready(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
}

type SubgraphResolvers = NonNullable<GraphQLSchemaModule['resolvers']>;

async function subgraph(typeDefs: string, resolvers: SubgraphResolvers): Promise<void> {
  const server = new ApolloServer({ schema: buildSubgraphSchema({ typeDefs: parse(typeDefs), resolvers }) });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  ready(url);
}

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';

async function fedA(): Promise<void> {
  await subgraph(
    `${LINK}
    type Query { user(id: ID!): User }
    type User @key(fields: "id") { id: ID! name: String! }`,
    {
      Query: { user: (_: unknown, { id }: { id: string }) => ({ id, name: `User ${id}` }) },
      User: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, name: `User ${ref.id}` }) },
    } as unknown as SubgraphResolvers,
  );
}

async function fedB(): Promise<void> {
  await subgraph(
    `${LINK}
    type User @key(fields: "id") { id: ID! score: Int! }`,
    {
      User: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, score: ref.id.length }) },
    } as unknown as SubgraphResolvers,
  );
}

async function fedGateway(): Promise<void> {
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  const a = process.env.FED_A_URL;
  const b = process.env.FED_B_URL;
  if (!a || !b) throw new Error('FED_A_URL and FED_B_URL are required');
  const gateway = new ApolloGateway({
    supergraphSdl: new IntrospectAndCompose({
      subgraphs: [
        { name: 'a', url: a },
        { name: 'b', url: b },
      ],
    }),
  });
  const server = new ApolloServer({ gateway });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  ready(url);
}

const modes: Record<string, () => Promise<void>> = {
  node: nodeServer,
  'fed-a': fedA,
  'fed-b': fedB,
  'fed-gateway': fedGateway,
};
const start = mode ? modes[mode] : undefined;
if (!start)
  throw new Error(`unknown baseline server ${mode ?? '(none)'}; one of ${Object.keys(modes).join(', ')}`);
await start();
