import http from 'node:http';
import net from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createLogger,
  createMetrics,
  CORRELATION_HEADER,
  createHttpServer,
  addHealthRoutes,
  type RunningHttpServer,
} from '../src/index.ts';

/** A logger whose JSON lines land in `lines`. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ service: 'kit-test', level: 'debug', destination }) };
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function get(
  url: string,
  path: string,
  options: { agent?: http.Agent; headers?: Record<string, string> } = {},
) {
  return new Promise<Answer>((resolve, reject) => {
    const req = http.get(new URL(path, url), { agent: options.agent, headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });

let server: RunningHttpServer | undefined;
afterEach(async () => {
  await server?.close().catch(() => {});
  server = undefined;
});

describe('HTTP servers', () => {
  it("serve each request under the caller's correlation id (or a new one), echo it, and log every line of it with it", async () => {
    const { lines, logger } = capturingLogger();
    const kit = createHttpServer({ logger, bodyLimit: 1000 });
    kit.app.get('/work', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      logger.child({ component: 'deep' }).info('working on it');
      return { ok: true };
    });
    server = await kit.listen(0);
    const given = await get(server.origin, '/work', { headers: { [CORRELATION_HEADER]: 'corr-42' } });
    expect(given.headers[CORRELATION_HEADER]).toBe('corr-42');
    const made = await get(server.origin, '/work', { headers: { [CORRELATION_HEADER]: 'not a valid id!' } });
    const madeId = made.headers[CORRELATION_HEADER];
    expect(madeId).toMatch(/^[0-9a-f-]{36}$/);

    const working = lines.filter((l) => l.msg === 'working on it');
    expect(working.map((l) => l.correlationId)).toEqual(['corr-42', madeId]);
    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests.map((l) => l.correlationId)).toEqual(['corr-42', madeId]);
    // Outside a request, nothing is attached.
    logger.info('idle');
    expect(lines.at(-1)).not.toHaveProperty('correlationId');
  });

  it('count and time requests by route, method, operation type and status on /metrics', async () => {
    const { logger } = capturingLogger();
    const metrics = createMetrics('kit-test', { logger });
    const kit = createHttpServer({ logger, bodyLimit: 1000, metrics });
    addHealthRoutes(kit.app, { readiness: {}, metrics });
    server = await kit.listen(0);
    await get(server.origin, '/healthz');
    await get(server.origin, '/healthz');
    await get(server.origin, '/no/such/path');
    const scrape = await get(server.origin, '/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const count = (labels: Record<string, string>) =>
      scrape.body
        .split('\n')
        .filter((line) => line.startsWith('ates_http_request_duration_seconds_count{'))
        .find((line) => Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
        ?.split(' ')
        .at(-1);
    expect(count({ route: '/healthz', method: 'GET', operation: 'none', status: '200' })).toBe('2');
    expect(count({ route: 'other', method: 'GET', operation: 'none', status: '404' })).toBe('1');
    expect(scrape.body).toMatch(/^process_resident_memory_bytes\{service="kit-test"\} \d+/m);
  });

  it('on close, finish the requests in flight, refuse new connections and close idle keep-alive ones at once', async () => {
    const { logger } = capturingLogger();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const slowStarted = new Promise<void>((resolve) => (started = resolve));
    const kit = createHttpServer({ logger, bodyLimit: 1000 });
    kit.app.get('/:name', async (request) => {
      const path = request.url;
      if (path === '/slow') {
        started();
        await gate;
      }
      return { path };
    });
    server = await kit.listen(0);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    // One keep-alive connection left idle, one carrying a request in flight.
    await get(server.origin, '/fast', { agent });
    const slow = get(server.origin, '/slow', { agent: new http.Agent({ keepAlive: true }) });
    await slowStarted;

    const began = Date.now();
    const closed = server.close();
    expect(await refused(server.port)).toBe(true);
    release();
    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ path: '/slow' });
    expect(answer.headers.connection).toBe('close');
    await closed;
    // Neither the idle connection nor the finished one held the close for the keep-alive timeout.
    expect(Date.now() - began).toBeLessThan(2000);
    agent.destroy();
    server = undefined;
  });

  it('cut requests still running after the drain time', async () => {
    const { lines, logger } = capturingLogger();
    const kit = createHttpServer({ logger, bodyLimit: 1000 });
    kit.app.get('/forever', () => new Promise<void>(() => {}));
    server = await kit.listen(0);
    const hanging = get(server.origin, '/forever').catch((error: Error) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.close(100);
    expect(await hanging).toBeInstanceOf(Error);
    expect(lines.some((l) => l.msg === 'requests still running after the drain time; cutting them')).toBe(
      true,
    );
    server = undefined;
  });
});
