import { epochMs } from './clock.ts';
import client from 'prom-client';
import type { Logger } from './logger.ts';

/** One value of a gauge computed on scrape. */
export interface Sample {
  labels?: Record<string, string>;
  value: number;
}

export interface ScrapedGaugeOptions {
  name: string;
  help: string;
  labelNames?: string[];
  /** Reuse the last result for this long (values that cost a round trip). Default 0. */
  cacheMs?: number;
  collect: () => Promise<Sample[]> | Sample[];
}

export interface RequestObservation {
  /** A bounded name: `graphql`, a route's path, or `other`. */
  route: string;
  method: string;
  /** `query`, `mutation`, `subscription`, or `none` (not GraphQL, or refused before parsing). */
  operation: string;
  status: number;
  seconds: number;
}

/**
 * A service's Prometheus registry: default process metrics, HTTP request latency, and gauges
 * computed on scrape. One per service (several services share a process in tests).
 */
export interface ServiceMetrics {
  readonly service: string;
  readonly registry: client.Registry;
  /** What `GET /metrics` answers: the registry in the Prometheus text format. */
  scrape(): Promise<{ contentType: string; body: string }>;
  observeRequest(observation: RequestObservation): void;
  requestStarted(): void;
  requestEnded(): void;
  /**
   * A gauge whose values are read when Prometheus scrapes. A failing read is logged and counted
   * (`ates_metrics_collect_errors_total`) and leaves the gauge empty (NaN without labels) for
   * that scrape, instead of failing the whole scrape.
   */
  scrapedGauge(options: ScrapedGaugeOptions): void;
  /** A counter in this registry; the returned function adds one. */
  counter(options: CounterOptions): (labels?: Record<string, string>) => void;
}

export interface CounterOptions {
  name: string;
  help: string;
  labelNames?: string[];
}

/**
 * Wraps a read so that calls within `ms` of the last one share its result (a failed read is
 * not reused): for values that cost a round trip and are read by several gauges per scrape.
 */
export function memoizeFor<T>(ms: number, read: () => Promise<T> | T): () => Promise<T> {
  let cached: { at: number; value: Promise<T> } | undefined;
  return () => {
    if (!cached || epochMs() - cached.at >= ms) {
      const entry = { at: epochMs(), value: Promise.resolve().then(read) };
      entry.value.catch(() => {
        if (cached === entry) cached = undefined;
      });
      cached = entry;
    }
    return cached.value;
  };
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface MetricsOptions {
  logger?: Logger;
  /** Node.js and process metrics (`process_*`, `nodejs_*`). Default true. */
  defaultMetrics?: boolean;
}

export function createMetrics(service: string, options: MetricsOptions = {}): ServiceMetrics {
  const registry = new client.Registry();
  registry.setDefaultLabels({ service });
  if (options.defaultMetrics ?? true) client.collectDefaultMetrics({ register: registry });
  const duration = new client.Histogram({
    name: 'ates_http_request_duration_seconds',
    help: 'HTTP requests by route, method, GraphQL operation type and status: latency (and, as _count, rate)',
    labelNames: ['route', 'method', 'operation', 'status'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const inFlight = new client.Gauge({
    name: 'ates_http_requests_in_flight',
    help: 'HTTP requests being served now (a shutdown drains them)',
    registers: [registry],
  });
  const collectErrors = new client.Counter({
    name: 'ates_metrics_collect_errors_total',
    help: 'Failed reads of a gauge computed on scrape (e.g. its database was unreachable)',
    labelNames: ['metric'],
    registers: [registry],
  });
  const log = options.logger?.child({ component: 'metrics' });

  return {
    service,
    registry,
    scrape: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
    observeRequest: ({ route, method, operation, status, seconds }) =>
      duration.observe({ route, method, operation, status: String(status) }, seconds),
    requestStarted: () => inFlight.inc(),
    requestEnded: () => inFlight.dec(),
    counter({ name, help, labelNames = [] }) {
      const counter = new client.Counter({ name, help, labelNames, registers: [registry] });
      return (labels) => (labels ? counter.inc(labels) : counter.inc());
    },
    scrapedGauge({ name, help, labelNames = [], cacheMs = 0, collect }) {
      const read = memoizeFor(cacheMs, collect);
      new client.Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        async collect() {
          this.reset();
          try {
            for (const { labels, value } of await read()) {
              if (labels) this.set(labels, value);
              else this.set(value);
            }
          } catch (error) {
            // A gauge without labels cannot be absent: NaN says "unknown" rather than 0.
            if (labelNames.length === 0) this.set(Number.NaN);
            collectErrors.inc({ metric: name });
            log?.warn({ err: error, metric: name }, 'could not read a metric');
          }
        },
      });
    },
  };
}

/**
 * `ates_live_subscriptions{kind}`: what a process holds open for live updates (graphql-ws
 * sockets, live-feed listeners, the gateway's upstream subscriptions, …), from its `liveStats()`.
 */
export function registerLiveMetrics(metrics: ServiceMetrics, stats: () => Record<string, number>): void {
  metrics.scrapedGauge({
    name: 'ates_live_subscriptions',
    help: 'Open live-update resources by kind: graphql-ws sockets, live-feed listeners, upstream subscriptions, subscribers',
    labelNames: ['kind'],
    collect: () => Object.entries(stats()).map(([kind, value]) => ({ labels: { kind }, value })),
  });
}
