import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { activeTraceId } from './telemetry/tracing.ts';

/**
 * What one unit of work (an HTTP request, an event being handled, a worker run) is part of.
 * The HTTP server and the event consumer open a scope; everything that runs inside it, however
 * deep and however asynchronous, sees it: every log line carries its `correlationId`, and every
 * event built meanwhile (`makeEvent`) takes it as its correlation and causation ids.
 */
export interface TraceScope {
  /** One id from the gateway request through subgraphs, outbox, events and consumers. */
  readonly correlationId: string;
  /** The event being handled, so that the events it causes name it as their cause. */
  readonly causationId?: string;
  /** The GraphQL operation type once known (set by the Apollo plugin; request metrics). */
  operation?: 'query' | 'mutation' | 'subscription';
}

/** The header that carries the correlation id between services (and back to the client). */
export const CORRELATION_HEADER = 'x-correlation-id';

const CORRELATION = /^[A-Za-z0-9._-]{1,100}$/;
const storage = new AsyncLocalStorage<TraceScope>();

/** The scope of the work running now, if any. */
export function currentTrace(): TraceScope | undefined {
  return storage.getStore();
}

/** Runs `work` (and everything it starts) inside `scope`. */
export function withTrace<T>(scope: TraceScope, work: () => T): T {
  return storage.run(scope, work);
}

/** A correlation id taken from outside (a header), or undefined when absent or malformed. */
export function acceptCorrelationId(value: unknown): string | undefined {
  return typeof value === 'string' && CORRELATION.test(value) ? value : undefined;
}

/**
 * The correlation id of an incoming request: its OpenTelemetry trace id when it is traced (so
 * a log line leads to its trace), else the caller's id if well-formed, else a new one.
 */
export function requestCorrelationId(header: unknown): string {
  return activeTraceId() ?? acceptCorrelationId(header) ?? randomUUID();
}

/**
 * The fields every log line written inside a scope carries (the logger's mixin): the
 * correlation id, and in a consumer the event being handled as `eventId`.
 */
export function traceLogFields(): Record<string, string> {
  const scope = storage.getStore();
  if (!scope) return {};
  return scope.causationId
    ? { correlationId: scope.correlationId, eventId: scope.causationId }
    : { correlationId: scope.correlationId };
}
