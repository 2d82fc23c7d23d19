import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubgraphFetcher } from '../src/subgraph-fetcher.ts';

/** A stand-in subgraph on a local port: echoes what it received, or answers 503 on /down. */
const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    if (req.url === '/down') {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('not ready');
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
const { fetcher, close } = createSubgraphFetcher();

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  close();
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
    const response = await fetcher(`${base}/down`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(503);
    expect(response.ok).toBe(false);
    expect(await response.text()).toBe('not ready');
  });

  it('rejects when the subgraph does not answer, naming the URL', async () => {
    const dead = http.createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const port = (dead.address() as AddressInfo).port;
    await new Promise((resolve) => dead.close(resolve));
    await expect(fetcher(`http://127.0.0.1:${port}/graphql`, { method: 'POST', body: '{}' })).rejects.toThrow(
      `request to http://127.0.0.1:${port}/graphql failed`,
    );
  });

  it('refuses a scheme other than http: and https:', async () => {
    await expect(fetcher('ftp://127.0.0.1/graphql')).rejects.toThrow(/only http: and https:/);
  });

  it('stops a request when its signal aborts', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      fetcher(`${base}/graphql`, {
        method: 'POST',
        body: '{}',
        signal: controller.signal as NonNullable<Parameters<typeof fetcher>[1]>['signal'],
      }),
    ).rejects.toThrow('aborted');
  });
});
