/** One autocannon run against a server in another process, with that process tree's CPU. */
import autocannon from 'autocannon';
import { percentile } from '../lib/stats.ts';
import { treeCpuMs } from './processes.ts';

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
  /** Requests per second over all connections (a rate-limited run); saturating when absent. */
  overallRate?: number;
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
  // Latencies as measured per response: autocannon's own histogram "corrects" rate-limited
  // runs with an expected interval of 1 ms (ceil(1 / rate)), which skews their percentiles.
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationSeconds,
        ...(options.overallRate ? { overallRate: options.overallRate } : {}),
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
