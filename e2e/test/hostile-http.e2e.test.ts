import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPaymentSandbox, type PaymentSandbox } from '@ates/payment-sandbox';
import { createLogger } from '@ates/service-kit';
import { createTestDatabase, type TestDatabase } from '@ates/testing';
import { MALFORMED_TARGETS, rawGet, sendRaw, type RawAnswer } from '../src/raw-http.ts';
import { startSystem, type TestSystem } from '../src/system.ts';

let system: TestSystem;
let bankDb: TestDatabase;
let bank: PaymentSandbox;
/** The three kinds of port: the gateway, a subgraph, a worker (the payment sandbox). */
let targets: { name: string; port: number }[];

const portOf = (url: string) => Number(new URL(url).port);

beforeAll(async () => {
  system = await startSystem('hostilehttp');
  bankDb = await createTestDatabase('hostilehttp_bank');
  bank = await startPaymentSandbox({
    port: 0,
    databaseUrl: bankDb.url,
    logger: createLogger({ service: 'bank', level: 'silent' }),
    secret: 'bank-secret',
  });
  const tasks = system.gateway.endpoints.find((e) => e.name === 'tasks')!;
  targets = [
    { name: 'gateway', port: portOf(system.gateway.url) },
    { name: 'tasks subgraph', port: portOf(tasks.url) },
    { name: 'payment sandbox', port: portOf(bank.url) },
  ];
});
afterAll(async () => {
  await bank?.stop();
  await bankDb?.drop();
  await system?.stop();
});

/** A refusal: a 4xx, within 16 KB, in well under the 5 s the reader waits. */
function expectRefused(answer: RawAnswer, what: string) {
  expect(answer.status, `${what}: ${answer.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
  expect(answer.status, `${what}: ${answer.text.slice(0, 200)}`).toBeLessThan(500);
  expect(answer.bytes).toBeLessThanOrEqual(16 * 1024);
  expect(answer.ms).toBeLessThan(4000);
}

/** Anything but a server error or silence: some generated requests are fine ones. */
function expectNoServerError(answer: RawAnswer, what: string) {
  expect(answer.status, `${what}: ${answer.text.slice(0, 200)}`).toBeGreaterThanOrEqual(200);
  expect(answer.status, `${what}: ${answer.text.slice(0, 200)}`).toBeLessThan(500);
  expect(answer.bytes).toBeLessThanOrEqual(64 * 1024);
}

async function expectAlive() {
  for (const target of targets) {
    const health = await sendRaw(target.port, rawGet('/healthz'));
    expect(health.status, `${target.name} answers /healthz`).toBe(200);
  }
}

const post = (path: string, headers: string, body: string | Buffer) =>
  Buffer.concat([
    Buffer.from(
      `POST ${path} HTTP/1.1\r\nHost: localhost\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`,
      'latin1',
    ),
    Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
  ]);

describe('hostile HTTP: every port answers malformed requests with a 4xx and lives on', () => {
  it('refuses the request lines that used to kill a process (//, //[, http://, /%zz…)', async () => {
    for (const target of targets)
      for (const line of MALFORMED_TARGETS)
        expectRefused(await sendRaw(target.port, rawGet(line)), `${target.name} GET ${line}`);
    await expectAlive();
  });

  it.each([
    ['an unknown version', 'GET /healthz HTTP/7.1\r\nHost: x\r\n\r\n'],
    ['garbage for a request line', '\u0001\u0002 nonsense \u00ff\r\n\r\n'],
    ['a space in the target', 'GET /heal thz HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a header without a colon', 'GET /healthz HTTP/1.1\r\nHost x\r\n\r\n'],
    ['a header with a control character', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n'],
    ['a 20 KB header', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
    ['a non-numeric Content-Length', 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n'],
    [
      'both Content-Length and Transfer-Encoding',
      'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
    [
      'a malformed chunk',
      'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
    ],
    ['an unparseable Host on GraphQL', rawGet('/graphql?query=%7B__typename%7D', 'Host: [::1\r\n')],
    ['a traversal of the file system', rawGet(`/${'../'.repeat(4)}etc/passwd`)],
    ['an encoded traversal', rawGet('/%2e%2e/%2e%2e/etc/passwd')],
    ['a NUL in the path', rawGet('/healthz%00.js')],
    ['a query that does not decode on GraphQL', rawGet('/graphql?query=%zz&variables=%7B')],
  ])('refuses %s', async (_what, request) => {
    for (const target of targets) expectRefused(await sendRaw(target.port, request), `${target.name}`);
    await expectAlive();
  });

  it.each([
    ['JSON that does not parse', 'Content-Type: application/json\r\n', '{"query": "{ __typename }"', 400],
    ['an empty JSON body', 'Content-Type: application/json\r\n', '', 400],
    ['a prototype-polluting body', 'Content-Type: application/json\r\n', '{"__proto__": {"x": 1}}', 400],
    ['JSON that is not an object', 'Content-Type: application/json\r\n', '[1, 2, 3]', 400],
    ['an unknown content type', 'Content-Type: application/x-evil\r\n', '{}', 415],
    [
      'form data (CSRF)',
      'Content-Type: application/x-www-form-urlencoded\r\n',
      'query=%7B__typename%7D',
      415,
    ],
    ['text/plain (CSRF)', 'Content-Type: text/plain\r\n', '{"query":"{ __typename }"}', 400],
    [
      'a body over the limit',
      'Content-Type: application/json\r\n',
      `{"query":"${'x'.repeat(1_100_000)}"}`,
      413,
    ],
    [
      'a gzip body it does not decode',
      'Content-Type: application/json\r\nContent-Encoding: gzip\r\n',
      Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xfe]),
      400,
    ],
    [
      'a body in UTF-16',
      'Content-Type: application/json; charset=utf-16\r\n',
      Buffer.from('{}', 'utf16le'),
      400,
    ],
  ])('answers GraphQL POSTed with %s with a 4xx in its error shape', async (_what, headers, body, status) => {
    for (const target of targets.slice(0, 2)) {
      const answer = await sendRaw(target.port, post('/graphql', headers, body as string | Buffer));
      expectRefused(answer, target.name);
      expect(answer.status, `${target.name}: ${answer.text.slice(0, 300)}`).toBe(status);
    }
    await expectAlive();
  });

  it('answers the sandbox bank a bad body or a missing secret with its own 4xx', async () => {
    const bankPort = targets[2]!.port;
    const auth = 'Authorization: Bearer bank-secret\r\n';
    expect((await sendRaw(bankPort, post('/payments', 'Idempotency-Key: k1\r\n', '{}'))).status).toBe(401);
    const bad = await sendRaw(bankPort, post('/payments', `${auth}Idempotency-Key: k1\r\n`, '{"amount'));
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/not valid JSON/);
    const big = await sendRaw(
      bankPort,
      post('/payments', `${auth}Idempotency-Key: k1\r\n`, 'x'.repeat(70_000)),
    );
    expect(big.status).toBe(413);
    await expectAlive();
  });

  it('property: any request target, from any alphabet, gets an answer below 500', async () => {
    const target = fc.oneof(
      fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((s) => `/${s.replace(/[\s]/g, '')}`),
      fc.string({ unit: 'binary', maxLength: 40 }).map((s) => `/${encodeURIComponent(s)}`),
      fc
        .array(
          fc.constantFrom(
            '/',
            '%',
            'z',
            '[',
            ']',
            ':',
            '@',
            '?',
            '#',
            '.',
            '..',
            '\\',
            'graphql',
            '%2F',
            '%00',
          ),
          {
            maxLength: 12,
          },
        )
        .map((parts) => parts.join('')),
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets), target, async (server, path) => {
        const request = rawGet(path.replace(/[\r\n ]/g, '') || '/');
        const answer = await sendRaw(server.port, request);
        // The HTTP parser may refuse a target outright (400) — an answer all the same.
        expectNoServerError(answer, `${server.name} GET ${JSON.stringify(path)}`);
      }),
      { numRuns: 150 },
    );
    await expectAlive();
  });

  it('property: any header names and values get an answer below 500', async () => {
    const token = fc.string({
      unit: fc.constantFrom(...'abcXYZ-_.!#$%&*+^`|~0129'),
      minLength: 1,
      maxLength: 20,
    });
    const value = fc.string({ unit: 'binary-ascii', maxLength: 200 }).map((s) => s.replace(/[\r\n]/g, ''));
    const headers = fc.array(
      fc.oneof(
        fc.tuple(token, value),
        fc.tuple(
          fc.constantFrom(
            'host',
            'content-type',
            'content-length',
            'accept',
            'authorization',
            'x-forwarded-for',
            'x-correlation-id',
            'transfer-encoding',
            'expect',
            'upgrade',
          ),
          value,
        ),
      ),
      { maxLength: 8 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...targets),
        fc.constantFrom('/graphql', '/healthz', '/readyz', '/payments'),
        headers,
        async (server, path, pairs) => {
          const lines = pairs.map(([name, v]) => `${name}: ${v}\r\n`).join('');
          const answer = await sendRaw(
            server.port,
            `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${lines}Connection: close\r\n\r\n`,
          );
          // An `Expect` the server does not support is 417; an `Upgrade` to nothing may get no HTTP answer at all.
          if (answer.status === 0)
            expect(
              pairs.some(
                ([n]) =>
                  n === 'upgrade' || n === 'expect' || n === 'transfer-encoding' || n === 'content-length',
              ),
            ).toBe(true);
          else expectNoServerError(answer, `${server.name} ${path} ${JSON.stringify(pairs).slice(0, 300)}`);
        },
      ),
      { numRuns: 150 },
    );
    await expectAlive();
  });

  it('property: any bytes POSTed as JSON to GraphQL get an answer below 500', async () => {
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 2000 }).map((a) => Buffer.from(a)),
      fc.json().map((s) => Buffer.from(s)),
      fc
        .record(
          { query: fc.string({ maxLength: 200 }), variables: fc.jsonValue(), operationName: fc.string() },
          { requiredKeys: [] },
        )
        .map((o) => Buffer.from(JSON.stringify(o))),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...targets.slice(0, 2)), body, async (server, bytes) => {
        const answer = await sendRaw(
          server.port,
          post('/graphql', 'Content-Type: application/json\r\napollo-require-preflight: true\r\n', bytes),
        );
        expectNoServerError(answer, `${server.name} ${bytes.toString('latin1').slice(0, 100)}`);
      }),
      { numRuns: 150 },
    );
    await expectAlive();
  });
});
