import type { RemoteGraphQLDataSource } from '@apollo/gateway';
import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { GraphQLError } from 'graphql';
import { Agent, errors as undiciErrors } from 'undici';

type Fetcher = RemoteGraphQLDataSource['fetcher'];
type FetcherInit = NonNullable<Parameters<Fetcher>[1]>;
type FetcherResponse = Awaited<ReturnType<Fetcher>>;
type FetcherHeaders = FetcherResponse['headers'];

/** A subgraph's response headers, read-only in practice (lower-cased names). */
class ResponseHeaders implements FetcherHeaders {
  private readonly map = new Map<string, string>();

  constructor(raw: Record<string, string | string[] | undefined>) {
    for (const [name, value] of Object.entries(raw)) {
      if (value !== undefined) this.map.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
  }

  append(name: string, value: string): void {
    const key = name.toLowerCase();
    const current = this.map.get(key);
    this.map.set(key, current === undefined ? value : `${current}, ${value}`);
  }
  delete(name: string): void {
    this.map.delete(name.toLowerCase());
  }
  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }
  set(name: string, value: string): void {
    this.map.set(name.toLowerCase(), value);
  }
  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }
  keys(): IterableIterator<string> {
    return this.map.keys();
  }
  values(): IterableIterator<string> {
    return this.map.values();
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.map.entries();
  }
}

/** A fully read response: the body is in memory, so `clone()` and re-reading are free. */
export class BufferedResponse implements FetcherResponse {
  readonly redirected = false;
  readonly ok: boolean;
  private used = false;

  constructor(
    readonly url: string,
    readonly status: number,
    readonly statusText: string,
    readonly headers: FetcherHeaders,
    private readonly body: Buffer,
  ) {
    this.ok = status >= 200 && status < 300;
  }

  get byteLength(): number {
    return this.body.byteLength;
  }
  get bodyUsed(): boolean {
    return this.used;
  }
  private consume(): Buffer {
    if (this.used) throw new TypeError('Body is unusable: body has already been read');
    this.used = true;
    return this.body;
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    const body = this.consume();
    return body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
  }
  async text(): Promise<string> {
    return this.consume().toString('utf8');
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }
  clone(): FetcherResponse {
    return new BufferedResponse(this.url, this.status, this.statusText, this.headers, this.body);
  }
}

/** How the gateway calls one subgraph: deadlines, response bound, circuit breaker. */
export interface SubgraphCallPolicy {
  /** The whole call (connect, send, headers, body) ends by then with SUBGRAPH_TIMEOUT. */
  deadlineMs: number;
  connectTimeoutMs: number;
  /** A larger response body is cut off: SUBGRAPH_RESPONSE_TOO_LARGE. */
  maxResponseBytes: number;
  /** Consecutive failures (timeouts, refused connections, 502–504) that open the breaker. */
  breakerFailures: number;
  /** While open, calls fail at once with SUBGRAPH_UNAVAILABLE; then one trial call is let through. */
  breakerHalfOpenAfterMs: number;
}

export const DEFAULT_SUBGRAPH_CALL_POLICY: SubgraphCallPolicy = {
  deadlineMs: 10_000,
  connectTimeoutMs: 2_000,
  maxResponseBytes: 16 * 1024 * 1024,
  breakerFailures: 5,
  breakerHalfOpenAfterMs: 5_000,
};

export type SubgraphErrorCode = 'SUBGRAPH_TIMEOUT' | 'SUBGRAPH_UNAVAILABLE' | 'SUBGRAPH_RESPONSE_TOO_LARGE';

/** A failed subgraph call as the client sees it: the code says why, `serviceName` says who. */
export const subgraphError = (serviceName: string, code: SubgraphErrorCode, message: string) =>
  new GraphQLError(message, { extensions: { code, serviceName } });

/** Statuses of a proxy or server that cannot serve right now: they count towards the breaker. */
const isOverloadStatus = (status: number) => status === 502 || status === 503 || status === 504;

class DeadlineExceeded extends Error {}

const CONNECTION_FAILURES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EPIPE',
]);

/** The subgraph could not be reached or dropped the connection (not the caller's abort). */
function isConnectionFailure(error: unknown): boolean {
  if (error instanceof undiciErrors.SocketError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CONNECTION_FAILURES.has(code);
}

function isTimeout(error: unknown): boolean {
  return (
    error instanceof DeadlineExceeded ||
    error instanceof undiciErrors.ConnectTimeoutError ||
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError
  );
}

export interface SubgraphFetchers {
  /** The fetcher for one subgraph (its own deadline and breaker; one connection pool for all). */
  fetcherFor(serviceName: string): Fetcher;
  /** Breaker state per subgraph, for /metrics and tests. */
  breakerStates(): Record<string, string>;
  close(): Promise<void>;
}

/**
 * The gateway's HTTP client for subgraph requests: undici over one keep-alive Agent (a pool
 * per origin), every call bounded by its subgraph's deadline, and a cockatiel circuit breaker
 * per subgraph so that a dead or hung one costs its clients the deadline once, then fails
 * fast while open. @apollo/gateway's default (make-fetch-happen) has no deadline and cost
 * more CPU per call than the rest of the gateway's work. Failures become GraphQL errors with
 * `extensions.code` and `serviceName`; the query plan puts them next to the other subgraphs'
 * data (partial result). Non-2xx answers are handed back as they came.
 */
export function createSubgraphFetchers(
  defaults: SubgraphCallPolicy = DEFAULT_SUBGRAPH_CALL_POLICY,
  overrides: Record<string, Partial<SubgraphCallPolicy>> = {},
): SubgraphFetchers {
  const agent = new Agent({
    keepAliveTimeout: 30_000,
    connect: { timeout: defaults.connectTimeoutMs },
    // Also bounded per call below; these catch a peer that stalls mid-response.
    headersTimeout: defaults.deadlineMs,
    bodyTimeout: defaults.deadlineMs,
  });
  const breakers = new Map<string, CircuitBreakerPolicy>();
  const fetchers = new Map<string, Fetcher>();

  const makeFetcher = (serviceName: string): Fetcher => {
    const policy = { ...defaults, ...overrides[serviceName] };
    const breaker = circuitBreaker(
      handleWhen((error) => isTimeout(error) || isConnectionFailure(error)).orWhenResult((response) =>
        isOverloadStatus((response as FetcherResponse).status),
      ),
      {
        halfOpenAfter: policy.breakerHalfOpenAfterMs,
        breaker: new ConsecutiveBreaker(policy.breakerFailures),
      },
    );
    breakers.set(serviceName, breaker);

    const call = async (url: string, init: FetcherInit | undefined): Promise<FetcherResponse> => {
      const target = new URL(url);
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(new DeadlineExceeded()), policy.deadlineMs);
      const callerSignal = init?.signal as AbortSignal | undefined;
      const signal = callerSignal ? AbortSignal.any([callerSignal, deadline.signal]) : deadline.signal;
      try {
        const response = await agent.request({
          origin: target.origin,
          path: `${target.pathname}${target.search}`,
          method: (init?.method ?? 'GET') as 'GET',
          headers: init?.headers as Record<string, string> | undefined,
          body: init?.body ?? null,
          signal,
          headersTimeout: policy.deadlineMs,
          bodyTimeout: policy.deadlineMs,
        });
        const length = Number(response.headers['content-length'] ?? 0);
        if (length > policy.maxResponseBytes) {
          response.body.destroy();
          throw subgraphError(
            serviceName,
            'SUBGRAPH_RESPONSE_TOO_LARGE',
            `The ${serviceName} service's answer is too large`,
          );
        }
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of response.body as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > policy.maxResponseBytes) {
            response.body.destroy();
            throw subgraphError(
              serviceName,
              'SUBGRAPH_RESPONSE_TOO_LARGE',
              `The ${serviceName} service's answer is too large`,
            );
          }
          chunks.push(chunk);
        }
        return new BufferedResponse(
          url,
          response.statusCode,
          '',
          new ResponseHeaders(response.headers),
          chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
        );
      } catch (error) {
        // The deadline aborts with its own reason; a caller's abort is theirs to see as is.
        const cause = deadline.signal.aborted ? deadline.signal.reason : error;
        if (callerSignal?.aborted && !deadline.signal.aborted) throw error;
        throw cause;
      } finally {
        clearTimeout(timer);
      }
    };

    return (async (url: string, init?: FetcherInit) => {
      // A misconfigured URL is our fault, not the subgraph's: it surfaces as an internal error.
      if (!/^https?:/.test(url)) throw new Error(`subgraph URL ${url}: only http: and https: are supported`);
      try {
        return await breaker.execute(() => call(url, init));
      } catch (error) {
        if (error instanceof GraphQLError) throw error;
        if (error instanceof BrokenCircuitError)
          throw subgraphError(
            serviceName,
            'SUBGRAPH_UNAVAILABLE',
            `The ${serviceName} service is unavailable; try again later`,
          );
        if (isTimeout(error))
          throw subgraphError(
            serviceName,
            'SUBGRAPH_TIMEOUT',
            `The ${serviceName} service did not answer within ${policy.deadlineMs} ms`,
          );
        if ((init?.signal as AbortSignal | undefined)?.aborted) throw error;
        throw new GraphQLError(`The ${serviceName} service is unavailable; try again later`, {
          originalError: error instanceof Error ? error : undefined,
          extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName },
        });
      }
    }) as Fetcher;
  };

  const fetcherFor = (serviceName: string): Fetcher => {
    let fetcher = fetchers.get(serviceName);
    if (!fetcher) fetchers.set(serviceName, (fetcher = makeFetcher(serviceName)));
    return fetcher;
  };

  return {
    fetcherFor,
    breakerStates: () =>
      Object.fromEntries([...breakers].map(([name, breaker]) => [name, CircuitState[breaker.state]])),
    close: () => agent.close(),
  };
}
