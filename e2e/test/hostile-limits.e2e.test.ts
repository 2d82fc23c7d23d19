import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import WebSocket from 'ws';
import { hire } from '../src/company.ts';
import { startGatewayProcess, type GatewayProcess } from '../src/gateway-process.ts';
import { startSystem, type TestSystem } from '../src/system.ts';

/**
 * Hostile documents and sockets against a gateway in a process of its own (so its CPU and RSS
 * are measured alone), in front of the real subgraphs. Each refusal must be small (≤ 16 KB),
 * cheap (≤ 50 ms of gateway CPU) and coded; the gateway must stay up and stay small.
 */
const MAX_REFUSAL_BYTES = 16 * 1024;
const MAX_REFUSAL_CPU_MS = 50;

let system: TestSystem;
let gateway: GatewayProcess;
let token: string;

beforeAll(async () => {
  system = await startSystem('hostile_limits');
  token = (await system.admin()).token!;
  await hire(system, ['WORKER']);
  gateway = await startGatewayProcess(system);
}, 120_000);
afterAll(async () => {
  await gateway?.stop();
  await system?.stop();
});

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const nest = (levels: number, leaf: string) =>
  'tasks { assignee { '.repeat(levels) + leaf + ' } }'.repeat(levels);

/** Each hostile shape, as a selection inside a root field (`me` for HTTP, `myTasks` for ws). */
const SHAPES: Array<{ name: string; query: (root: 'me' | 'myTasks') => string }> = [
  // 800 KB, 200,000 arguments: the token limit stops parsing long before the end.
  {
    name: 'huge: 800 KB with 200k arguments',
    query: (root) => `{ ${root}(${'a:1,'.repeat(200_000)}) { __typename } }`,
  },
  {
    name: 'deep: 100 levels',
    query: (root) => `{ ${root} { ${root === 'me' ? nest(50, 'id') : `task { ${nest(50, 'id')} }`} } }`,
  },
  { name: 'wide: 2,000 fields', query: (root) => `{ ${root} { ${'__typename '.repeat(2_000)} } }` },
  {
    name: 'aliased: 50 aliases of a list field',
    query: (root) =>
      root === 'me'
        ? `{ ${range(50)
            .map((i) => `t${i}: tasks(first: 200) { nodes { id title description } }`)
            .join(' ')} }`
        : `{ ${range(50)
            .map((i) => `t${i}: myTasks { kind }`)
            .join(' ')} }`,
  },
  {
    name: 'directive-flooded: 400 directives',
    query: (root) => `{ ${root} { __typename ${'@include(if: true) '.repeat(400)} } }`,
  },
];

/** POSTs a document (or a body serialized beforehand, so the loop below costs this process little). */
async function post(
  query: string,
  body = JSON.stringify({ query }),
): Promise<{ status: number; bytes: number; codes: string[] }> {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      authorization: `Bearer ${token}`,
    },
    body,
  });
  const text = await response.text();
  const answer = JSON.parse(text) as { errors?: Array<{ extensions?: { code?: string } }> };
  return {
    status: response.status,
    bytes: Buffer.byteLength(text),
    codes: (answer.errors ?? []).map((e) => String(e.extensions?.code)),
  };
}

/** A raw graphql-transport-ws socket, acknowledged, that records every message and its close code. */
async function openSocket() {
  const ws = new WebSocket(gateway.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const messages: Array<{ id?: string; type: string; payload?: unknown }> = [];
  let waiter: (() => void) | undefined;
  ws.on('message', (data: Buffer) => {
    messages.push(JSON.parse(data.toString('utf8')) as (typeof messages)[number]);
    waiter?.();
  });
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  /** Waits until `count` messages satisfy `test` (30 s at most). */
  const until = async (test: (m: (typeof messages)[number]) => boolean, count = 1) => {
    const deadline = Date.now() + 30_000;
    while (messages.filter(test).length < count) {
      if (Date.now() > deadline) throw new Error(`only ${messages.filter(test).length} of ${count} messages`);
      await new Promise<void>((resolve) => {
        waiter = resolve;
        setTimeout(resolve, 200);
      });
    }
    return messages.filter(test);
  };
  await until((m) => m.type === 'connection_ack');
  return { ws, messages, until, closed };
}

const errorCodesOf = (payload: unknown) =>
  (payload as Array<{ extensions?: { code?: string } }>).map((e) => String(e.extensions?.code));

async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(gateway.url.replace('/graphql', '/metrics'))).text();
  const line = text.split('\n').find((l) => l.startsWith(name) && l.includes(labels));
  return Number(line?.split(' ').pop() ?? NaN);
}

describe('hostile documents over HTTP', () => {
  for (const shape of SHAPES) {
    it(`refuses ${shape.name} with QUERY_TOO_COMPLEX, small and cheap`, async () => {
      const query = shape.query('me');
      const runs = 10;
      const before = gateway.cpuMs();
      for (let i = 0; i < runs; i++) {
        const res = await post(query);
        expect(res.status).toBe(400);
        expect(res.codes).toEqual(['QUERY_TOO_COMPLEX']);
        expect(res.bytes).toBeLessThanOrEqual(MAX_REFUSAL_BYTES);
      }
      const perRefusal = (gateway.cpuMs() - before) / runs;
      console.info(`HTTP ${shape.name}: ${perRefusal.toFixed(1)} ms gateway CPU per refusal`);
      expect(perRefusal).toBeLessThanOrEqual(MAX_REFUSAL_CPU_MS);
      expect(gateway.alive()).toBe(true);
    });
  }

  it('answers any mix of aliases, depth, width, directives and arguments with data or a coded 4xx (property)', async () => {
    const allowed = new Set([
      'QUERY_TOO_COMPLEX',
      'GRAPHQL_VALIDATION_FAILED',
      'GRAPHQL_PARSE_FAILED',
      'BAD_USER_INPUT',
    ]);
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          aliases: fc.nat(40),
          depth: fc.integer({ min: 1, max: 30 }),
          width: fc.integer({ min: 1, max: 1_500 }),
          directives: fc.nat(60),
          args: fc.nat(300),
        }),
        async ({ aliases, depth, width, directives, args }) => {
          const leaf = `id ${'__typename '.repeat(width)}${'@skip(if: false) '.repeat(directives)}`;
          const argList = args
            ? `(${range(args)
                .map((i) => `a${i}: ${i}`)
                .join(' ')})`
            : '';
          const selection = `tasks${argList} { ${nest(depth, leaf)} }`;
          const query = `{ me { id ${range(aliases)
            .map((i) => `x${i}: login`)
            .join(' ')} ${selection} } }`;
          const res = await post(query);
          expect(res.status).toBeLessThan(500);
          expect(res.bytes).toBeLessThanOrEqual(MAX_REFUSAL_BYTES);
          for (const code of res.codes) expect(allowed).toContain(code);
        },
      ),
      { numRuns: 25 },
    );
    expect(gateway.alive()).toBe(true);
  });

  it('keeps /readyz within 1 s of its idle latency and RSS within +150 MB while 8 clients send hostile documents in a loop', async () => {
    const rssBefore = gateway.rssMb();
    let rssPeak = rssBefore;
    const readyz = async () => {
      const started = performance.now();
      const ready = await fetch(gateway.url.replace('/graphql', '/readyz'), {
        signal: AbortSignal.timeout(10_000),
      });
      expect(ready.status).toBe(200);
      rssPeak = Math.max(rssPeak, gateway.rssMb());
      return performance.now() - started;
    };
    // The same probes without the hostile load: what this (shared) machine costs /readyz anyway.
    let idleSlowest = 0;
    for (let i = 0; i < 10; i++) idleSlowest = Math.max(idleSlowest, await readyz());
    let slowestReady = 0;
    let running = true;
    const probe = (async () => {
      while (running) {
        slowestReady = Math.max(slowestReady, await readyz());
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const bodies = SHAPES.map((s) => JSON.stringify({ query: s.query('me') }));
    await Promise.all(
      range(8).map(async (client) => {
        for (let i = 0; i < 12; i++) {
          const res = await post('', bodies[(client + i) % bodies.length]!);
          expect(res.codes).toEqual(['QUERY_TOO_COMPLEX']);
        }
      }),
    );
    running = false;
    await probe;
    console.info(
      `8 hostile clients: /readyz slowest ${slowestReady.toFixed(0)} ms (idle ${idleSlowest.toFixed(0)} ms); RSS ${rssBefore.toFixed(0)} → peak ${rssPeak.toFixed(0)} MB`,
    );
    expect(slowestReady).toBeLessThan(idleSlowest + 1_000);
    expect(rssPeak - rssBefore).toBeLessThan(150);
    expect(gateway.alive()).toBe(true);
  });
});

describe('hostile documents and floods over graphql-ws', () => {
  for (const shape of SHAPES) {
    it(`refuses ${shape.name} as a subscription with QUERY_TOO_COMPLEX, small and cheap`, async () => {
      const socket = await openSocket();
      const query = `subscription ${shape.query('myTasks')}`;
      const runs = 10;
      const before = gateway.cpuMs();
      for (let i = 0; i < runs; i++)
        socket.ws.send(JSON.stringify({ id: `s${i}`, type: 'subscribe', payload: { query } }));
      const errors = await socket.until((m) => m.type === 'error', runs);
      const perRefusal = (gateway.cpuMs() - before) / runs;
      console.info(`ws ${shape.name}: ${perRefusal.toFixed(1)} ms gateway CPU per refusal`);
      for (const error of errors) {
        expect(errorCodesOf(error.payload)).toEqual(['QUERY_TOO_COMPLEX']);
        expect(Buffer.byteLength(JSON.stringify(error))).toBeLessThanOrEqual(MAX_REFUSAL_BYTES);
      }
      expect(perRefusal).toBeLessThanOrEqual(MAX_REFUSAL_CPU_MS);
      socket.ws.close();
    });
  }

  it('holds at most 100 subscriptions on a socket that asks for 10,000, and upstream no more', async () => {
    const socket = await openSocket();
    const query = 'subscription { myTasks { kind } }';
    const before = gateway.cpuMs();
    for (let i = 0; i < 10_000; i++)
      socket.ws.send(JSON.stringify({ id: `f${i}`, type: 'subscribe', payload: { query } }));
    const refused = await socket.until((m) => m.type === 'error', 9_900);
    const perRefusal = (gateway.cpuMs() - before) / 10_000;
    console.info(`10k subscriptions on one socket: ${perRefusal.toFixed(2)} ms gateway CPU per subscribe`);
    expect(refused.every((m) => errorCodesOf(m.payload)[0] === 'TOO_MANY_SUBSCRIPTIONS')).toBe(true);
    expect(await metric('ates_live_subscriptions', 'kind="upstreams"')).toBeLessThanOrEqual(100);
    expect(perRefusal).toBeLessThanOrEqual(MAX_REFUSAL_CPU_MS);
    socket.ws.close();
    await socket.closed;
    expect(gateway.alive()).toBe(true);
  });

  it('closes a socket that sends a frame over 1 MiB (1009) and one that sends junk (4400)', async () => {
    const big = await openSocket();
    big.ws.send('x'.repeat(1024 * 1024 + 1));
    expect(await big.closed).toBe(1009);
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 200 }), async (junk) => {
        fc.pre(!junk.trim().startsWith('{'));
        const socket = await openSocket();
        socket.ws.send(junk);
        expect(await socket.closed).toBe(4400);
      }),
      { numRuns: 20 },
    );
    expect(gateway.alive()).toBe(true);
  });

  it('refuses the 65th socket from one address before the upgrade (429)', async () => {
    const sockets = await Promise.all(range(64).map(() => openSocket()));
    const refused = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(gateway.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('error', () => undefined);
      ws.once('open', () => reject(new Error('the 65th socket was accepted')));
    });
    expect(refused).toBe(429);
    for (const s of sockets) s.ws.close();
    await Promise.all(sockets.map((s) => s.closed));
    // Their slots are free again.
    const again = await openSocket();
    again.ws.close();
  });
});
