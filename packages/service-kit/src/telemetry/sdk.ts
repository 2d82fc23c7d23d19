import { createRequire } from 'node:module';
import path from 'node:path';
import { GraphQLInstrumentation } from '@opentelemetry/instrumentation-graphql';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';

/** Probes and scrapes, not work: no trace for each. */
const PLUMBING = /^\/(healthz|readyz|metrics)(\?|$)/;

/**
 * Starts the OpenTelemetry SDK: traces only (metrics stay on /metrics, logs on stdout), exported
 * as the OTEL_* variables say (OTLP over HTTP by default), W3C trace context propagated. Spans
 * come from HTTP (servers, any framework on node:http), undici/fetch (the gateway's subgraph
 * calls, the payout worker's bank calls), GraphQL (parse, validate, execute), @apollo/gateway
 * (its plan and fetch spans, once a tracer is registered), and aTES's own outbox, relay,
 * consumer and live-feed spans (`tracing.ts`). postgres.js has no instrumentation.
 */
export function startTelemetry(serviceName: string): void {
  const sdk = new NodeSDK({
    serviceName,
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => PLUMBING.test(req.url ?? ''),
      }),
      new UndiciInstrumentation(),
      new GraphQLInstrumentation({ mergeItems: true, ignoreTrivialResolveSpans: true }),
    ],
  });
  sdk.start();
  // The require hook patches `http` when it is required; ES modules import builtins without
  // it, so require it once now: servers and clients share the patched module object.
  const require = createRequire(path.join(import.meta.dirname, 'sdk.js'));
  require('http');
  require('https');
  // Shutdown (service-kit's onShutdown) flushes the spans still buffered.
}
