/** Load runs against a server in another process, with that process tree's CPU per request. */
import http from 'node:http';
import autocannon from 'autocannon';
import { percentile } from '../lib/stats.ts';
import { treeCpuMs } from '../lib/processes.ts';

export interface LoadRequest {
  /** The request body and headers for the next request (called once per request sent). */
  next(): { body: string; headers?: Record<string, string> };
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  /** Non-2xx answers, socket errors and timeouts. */
  failed: number;
  /** 2xx answers whose GraphQL body carries `errors` (or no `data`). */
  graphqlErrors: number;
  /** CPU ms per completed request, per measured process (name → ms). */
  cpuMsPerRequest: Record<string, number>;
}

export async function load(options: {
  url: string;
  connections: number;
  durationSeconds: number;
  /** Cycled per connection, in order. */
  requests: LoadRequest[];
  /** Processes whose CPU is charged to this run, by name. */
  measure: Record<string, number>;
  /** Whether answers are GraphQL (checked for errors). */
  graphql: boolean;
}): Promise<LoadResult> {
  let graphqlErrors = 0;
  const checkBody = (status: number, body: string) => {
    if (!options.graphql || status < 200 || status >= 300) return;
    if (body.includes('"errors"') || !body.includes('"data"')) {
      if (graphqlErrors === 0) console.warn(`first GraphQL error: ${body.slice(0, 400)}`);
      graphqlErrors += 1;
    }
  };
  const cpuBefore = Object.fromEntries(
    Object.entries(options.measure).map(([n, pid]) => [n, treeCpuMs(pid)]),
  );
  // Latencies as measured per response (autocannon's histogram is made for its own reports).
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationSeconds,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        requests: options.requests.map((r) => ({
          method: 'POST' as const,
          setupRequest: (request: autocannon.Request) => {
            const { body, headers } = r.next();
            return { ...request, body, headers: { 'content-type': 'application/json', ...headers } };
          },
          onResponse: checkBody,
        })),
      },
      (error, done) =>
        error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(done),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
  const completed = latencies.length;
  const cpuMsPerRequest = Object.fromEntries(
    Object.entries(options.measure).map(([n, pid]) => [
      n,
      Number(((treeCpuMs(pid) - cpuBefore[n]!) / Math.max(1, completed)).toFixed(3)),
    ]),
  );
  return {
    requests: completed,
    rps: Math.round(completed / result.duration),
    p50: completed > 0 ? percentile(latencies, 50) : NaN,
    p99: completed > 0 ? percentile(latencies, 99) : NaN,
    failed: result.non2xx + result.errors + result.timeouts,
    graphqlErrors,
    cpuMsPerRequest,
  };
}

/**
 * An open-loop run at a steady `rate`: request i is due at start + i / rate, whatever the
 * answers before it, over at most `connections` keep-alive sockets (autocannon's own rate
 * limit lets every connection fire at the top of each second, which measures bursts).
 * Latency counts from when a request was due, so a server that falls behind is not excused.
 */
export async function pacedLoad(options: {
  url: string;
  connections: number;
  durationSeconds: number;
  rate: number;
  requests: LoadRequest[];
  measure: Record<string, number>;
  graphql: boolean;
}): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const target = new URL(options.url);
  const latencies: number[] = [];
  let failed = 0;
  let graphqlErrors = 0;
  const cpuBefore = Object.fromEntries(
    Object.entries(options.measure).map(([n, pid]) => [n, treeCpuMs(pid)]),
  );
  const send = (due: number, request: LoadRequest) =>
    new Promise<void>((resolve) => {
      const { body, headers } = request.next();
      const req = http.request(
        target,
        {
          agent,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            latencies.push(performance.now() - due);
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) failed += 1;
            else if (options.graphql) {
              const text = Buffer.concat(chunks).toString('utf8');
              if (text.includes('"errors"') || !text.includes('"data"')) {
                if (graphqlErrors === 0) console.warn(`first GraphQL error: ${text.slice(0, 400)}`);
                graphqlErrors += 1;
              }
            }
            resolve();
          });
        },
      );
      req.on('error', () => {
        failed += 1;
        resolve();
      });
      req.end(body);
    });
  const interval = 1000 / options.rate;
  const total = Math.round(options.rate * options.durationSeconds);
  const inFlight: Array<Promise<void>> = [];
  const started = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && started + sent * interval <= now) {
        inFlight.push(send(started + sent * interval, options.requests[sent % options.requests.length]!));
        sent += 1;
      }
      if (sent >= total) resolve();
      else setTimeout(tick, Math.max(0, Math.min(interval, started + sent * interval - performance.now())));
    };
    tick();
  });
  await Promise.all(inFlight);
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  const completed = latencies.length;
  return {
    requests: completed,
    rps: Math.round(completed / elapsed),
    p50: completed > 0 ? percentile(latencies, 50) : NaN,
    p99: completed > 0 ? percentile(latencies, 99) : NaN,
    failed,
    graphqlErrors,
    cpuMsPerRequest: Object.fromEntries(
      Object.entries(options.measure).map(([n, pid]) => [
        n,
        Number(((treeCpuMs(pid) - cpuBefore[n]!) / Math.max(1, completed)).toFixed(3)),
      ]),
    ),
  };
}
