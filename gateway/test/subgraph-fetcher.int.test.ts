import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import { createSubgraphFetchers, DEFAULT_SUBGRAPH_CALL_POLICY } from '../src/subgraph-fetcher.ts';

/**
 * A stand-in subgraph on a local port: echoes what it received, answers 503 on /down, never
 * answers on /hang, and sends a large body on /big.
 */
const hung: http.ServerResponse[] = [];
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    if (req.url === '/hang') {
      hung.push(res);
      return;
    }
    if (req.url === '/down') {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('not ready');
      return;
    }
    if (req.url === '/big') {
      res.writeHead(200, { 'content-type': 'application/json' });
      // Chunked, no content-length: the size is only known while reading.
      for (let i = 0; i < 64; i++) res.write('x'.repeat(1024));
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'x-subgraph': 'echo' });
    res.end(
      JSON.stringify({
        method: req.method,
        authorization: req.headers.authorization ?? null,
        body: Buffer.concat(chunks).toString('utf8'),
      }),
    );
  });
});
let base = '';
const policy = {
  ...DEFAULT_SUBGRAPH_CALL_POLICY,
  deadlineMs: 300,
  maxResponseBytes: 32 * 1024,
  breakerFailures: 2,
  breakerHalfOpenAfterMs: 60_000,
};
const fetchers = createSubgraphFetchers(policy);
const fetcher = fetchers.fetcherFor('echo');

/** The error a fetcher rejected with, as the gateway puts it in the response. */
async function failure(promise: Promise<unknown>): Promise<GraphQLError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GraphQLError);
  return error as GraphQLError;
}

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await fetchers.close();
  for (const res of hung) res.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('subgraph fetcher', () => {
  it('posts the body with the headers it is given and reads status, headers and body', async () => {
    const query = JSON.stringify({ query: '{ me { id } }', variables: { ü: 'ß' } });
    const response = await fetcher(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
      body: query,
    });
    expect(response.status).toBe(200);
    expect(response.ok).toBe(true);
    expect(response.headers.get('X-Subgraph')).toBe('echo');
    const copy = response.clone();
    expect(await response.json()).toEqual({ method: 'POST', authorization: 'Bearer t', body: query });
    await expect(response.text()).rejects.toThrow(/already been read/);
    expect(JSON.parse(await copy.text())).toMatchObject({ body: query });
  });

  it('hands a non-2xx answer back as it came (the gateway turns it into an error)', async () => {
    const response = await fetchers.fetcherFor('down-once')(`${base}/down`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(503);
    expect(response.ok).toBe(false);
    expect(await response.text()).toBe('not ready');
  });

  it('fails with SUBGRAPH_UNAVAILABLE naming the subgraph when nothing listens', async () => {
    const dead = http.createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const port = (dead.address() as AddressInfo).port;
    await new Promise((resolve) => dead.close(resolve));
    const error = await failure(
      fetchers.fetcherFor('refused')(`http://127.0.0.1:${port}/graphql`, { method: 'POST', body: '{}' }),
    );
    expect(error.extensions).toEqual({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'refused' });
  });

  it('ends a call the subgraph never answers at its deadline with SUBGRAPH_TIMEOUT', async () => {
    const error = await failure(fetchers.fetcherFor('hung')(`${base}/hang`, { method: 'POST', body: '{}' }));
    expect(error.extensions).toEqual({ code: 'SUBGRAPH_TIMEOUT', serviceName: 'hung' });
    expect(error.message).toMatch(/300 ms/);
  });

  it('ends a connection that is accepted but never read at its deadline too (a stopped process)', async () => {
    // A listening socket nobody accepts from: the kernel completes the handshake, then silence.
    const blackHole = net.createServer({ pauseOnConnect: true }, () => undefined);
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const port = (blackHole.address() as AddressInfo).port;
    try {
      const error = await failure(
        fetchers.fetcherFor('stopped')(`http://127.0.0.1:${port}/graphql`, { method: 'POST', body: '{}' }),
      );
      expect(error.extensions?.code).toBe('SUBGRAPH_TIMEOUT');
    } finally {
      blackHole.close();
    }
  });

  it('opens the breaker after consecutive failures: further calls fail at once with SUBGRAPH_UNAVAILABLE', async () => {
    const flaky = fetchers.fetcherFor('flaky');
    for (let i = 0; i < policy.breakerFailures; i++) {
      expect((await failure(flaky(`${base}/hang`, { method: 'POST', body: '{}' }))).extensions?.code).toBe(
        'SUBGRAPH_TIMEOUT',
      );
    }
    expect(fetchers.breakerStates().flaky).toBe('Open');
    // The subgraph is healthy again, but the breaker stays open until its half-open time.
    const error = await failure(flaky(`${base}/graphql`, { method: 'POST', body: '{}' }));
    expect(error.extensions).toEqual({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'flaky' });
    // One subgraph's breaker leaves the others closed.
    expect(fetchers.breakerStates().echo).toBe('Closed');
  });

  it('counts 502–504 answers as failures of the subgraph', async () => {
    const down = fetchers.fetcherFor('down');
    for (let i = 0; i < policy.breakerFailures; i++) {
      expect((await down(`${base}/down`, { method: 'POST', body: '{}' })).status).toBe(503);
    }
    expect(fetchers.breakerStates().down).toBe('Open');
  });

  it('cuts off an answer larger than the response limit with SUBGRAPH_RESPONSE_TOO_LARGE', async () => {
    const error = await failure(fetcher(`${base}/big`, { method: 'POST', body: '{}' }));
    expect(error.extensions).toEqual({ code: 'SUBGRAPH_RESPONSE_TOO_LARGE', serviceName: 'echo' });
    expect(fetchers.breakerStates().echo).toBe('Closed');
  });

  it('refuses a scheme other than http: and https:', async () => {
    await expect(fetchers.fetcherFor('ftp')('ftp://127.0.0.1/graphql')).rejects.toThrow(
      /only http: and https:/,
    );
  });

  it('stops a request when its caller aborts, without counting it against the subgraph', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      fetcher(`${base}/graphql`, {
        method: 'POST',
        body: '{}',
        signal: controller.signal as NonNullable<Parameters<typeof fetcher>[1]>['signal'],
      }),
    ).rejects.toThrow(/abort/i);
    expect(fetchers.breakerStates().echo).toBe('Closed');
  });
});
