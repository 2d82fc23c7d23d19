import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, repoRoot } from '@ates/service-kit';
import { startGateway, type GatewayService } from '@ates/gateway';
import { errorCodes, GraphQLClient, ops } from '@ates/testing';
import { hire } from '../src/company.ts';
import { startSystem, type TestSystem } from '../src/system.ts';

const DEADLINE_MS = 800;
const BREAKER_FAILURES = 3;

let system: TestSystem;
/** A gateway whose accounting is a socket that accepts connections and never answers (a stopped process). */
let gateway: GatewayService;
let blackHole: net.Server;
const held: net.Socket[] = [];
let admin: GraphQLClient;

const TASKS_ONLY = `{ tasks(first: 5) { nodes { id title } } }`;
const WITH_PRICES = `{ tasks(first: 5) { nodes { id title price { assignFee } } } }`;

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await run();
  return [result, performance.now() - started];
}

/** A gateway whose accounting is the black hole, with a breaker opening after `breakerFailures`. */
function blackHoledGateway(breakerFailures: number): Promise<GatewayService> {
  const urls = Object.fromEntries(system.gateway.endpoints.map((e) => [e.name, e.url]));
  return startGateway({
    host: '127.0.0.1',
    port: 0,
    supergraphSdl: fs.readFileSync(path.join(repoRoot, 'schema/supergraph.graphql'), 'utf8'),
    urlOverrides: {
      ...urls,
      accounting: `http://127.0.0.1:${(blackHole.address() as AddressInfo).port}/graphql`,
    },
    publicKeyPem: system.keys.publicKeyPem,
    introspection: false,
    maxBodyBytes: 1_000_000,
    subgraphCalls: {
      defaults: { breakerFailures, breakerHalfOpenAfterMs: 60_000 },
      overrides: { accounting: { deadlineMs: DEADLINE_MS } },
    },
    logger: createLogger({ service: 'gateway-deadline', level: 'silent' }),
  });
}

beforeAll(async () => {
  system = await startSystem('deadline');
  const token = (await system.admin()).token;
  await hire(system, ['WORKER']);
  await system
    .admin()
    .then((a) => a.ok(ops.CreateTaskDocument, { input: { title: 'priced', description: '' } }));
  blackHole = net.createServer({ pauseOnConnect: true }, (socket) => held.push(socket));
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
  gateway = await blackHoledGateway(BREAKER_FAILURES);
  admin = new GraphQLClient(gateway.url, token);
});
afterAll(async () => {
  await gateway?.stop();
  for (const socket of held) socket.destroy();
  blackHole?.close();
  await system?.stop();
});

describe('a hung subgraph', () => {
  it('costs a query touching it the deadline at most: the other data comes with SUBGRAPH_TIMEOUT', async () => {
    const [res, ms] = await timed(() =>
      admin.request<{ tasks: { nodes: Array<{ title: string; price: unknown }> } }>(WITH_PRICES),
    );
    expect(ms).toBeLessThan(DEADLINE_MS + 1000);
    expect(res.data?.tasks.nodes.map((t) => t.title)).toContain('priced');
    expect(res.data?.tasks.nodes.every((t) => t.price === null)).toBe(true);
    expect(res.errors?.map((e) => e.extensions)).toEqual([
      { code: 'SUBGRAPH_TIMEOUT', serviceName: 'accounting' },
    ]);
  });

  it('leaves queries that do not touch it as they were', async () => {
    const res = await admin.request(TASKS_ONLY);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual((await system.admin().then((a) => a.request(TASKS_ONLY))).data);
  });

  it('fails fast with SUBGRAPH_UNAVAILABLE once its breaker is open', async () => {
    for (let i = 1; i < BREAKER_FAILURES; i++)
      expect(errorCodes(await admin.request(WITH_PRICES))).toEqual(['SUBGRAPH_TIMEOUT']);
    const [res, ms] = await timed(() => admin.request(WITH_PRICES));
    expect(res.errors?.map((e) => e.extensions)).toEqual([
      { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'accounting' },
    ]);
    expect(ms).toBeLessThan(DEADLINE_MS);
  });

  it('holds every client of it to the deadline under load (4 clients, breaker kept closed)', async () => {
    const loaded = await blackHoledGateway(10_000);
    const client = new GraphQLClient(loaded.url, admin.token);
    try {
      const slowest = { prices: 0, tasks: 0 };
      await Promise.all(
        [0, 1, 2, 3].map(async (n) => {
          for (let i = 0; i < 6; i++) {
            const kind = (n + i) % 2 === 0 ? 'prices' : 'tasks';
            const [res, ms] = await timed(() => client.request(kind === 'prices' ? WITH_PRICES : TASKS_ONLY));
            slowest[kind] = Math.max(slowest[kind], ms);
            expect(errorCodes(res)).toEqual(kind === 'prices' ? ['SUBGRAPH_TIMEOUT'] : []);
          }
        }),
      );
      console.info(
        `black-holed accounting under load: slowest ${slowest.prices.toFixed(0)} ms with prices, ${slowest.tasks.toFixed(0)} ms without`,
      );
      expect(slowest.prices).toBeLessThan(DEADLINE_MS + 1000);
    } finally {
      await loaded.stop();
    }
  });
});
