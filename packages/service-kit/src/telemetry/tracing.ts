import {
  context,
  isSpanContextValid,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';

/**
 * aTES's own spans and trace propagation, on @opentelemetry/api only: with no SDK registered
 * (tracing off) every call here is a no-op of a few property reads.
 */
const tracer = () => trace.getTracer('ates');

/** Where a trace context is read from: a plain record or NATS's headers. */
export type HeaderSource = Record<string, string> | { get(name: string): string };

const getter = {
  keys: (carrier: HeaderSource) => (isRecord(carrier) ? Object.keys(carrier) : ['traceparent', 'tracestate']),
  get: (carrier: HeaderSource, key: string) => {
    const value = isRecord(carrier) ? carrier[key] : carrier.get(key);
    return value ? value : undefined;
  },
};
function isRecord(carrier: HeaderSource): carrier is Record<string, string> {
  return typeof (carrier as { get?: unknown }).get !== 'function';
}

/** The W3C trace headers (`traceparent`, `tracestate`) of the work running now; {} when untraced. */
export function traceHeaders(ctx: Context = context.active()): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(ctx, headers);
  return headers;
}

/** The W3C trace headers naming `span` as the parent of what the receiver does. */
export function spanHeaders(span: Span): Record<string, string> {
  return traceHeaders(trace.setSpan(context.active(), span));
}

/** The trace context `headers` carry (W3C `traceparent`), or the active one when they carry none. */
export function contextFrom(headers: HeaderSource | undefined): Context {
  return headers ? propagation.extract(context.active(), headers, getter) : context.active();
}

/** A link to the span `headers` name as parent (a batch handled for many traces links them all). */
export function linkFrom(headers: HeaderSource): Link | undefined {
  const span = trace.getSpanContext(contextFrom(headers));
  return span && isSpanContextValid(span) ? { context: span } : undefined;
}

/** The trace id of the work running now, if it is traced. */
export function activeTraceId(): string | undefined {
  const span = trace.getActiveSpan()?.spanContext();
  return span && isSpanContextValid(span) ? span.traceId : undefined;
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The parent (default: the active context). */
  parent?: Context;
  links?: Link[];
}

/**
 * Runs `work` in a new span (the active one meanwhile, so spans and events it starts are its
 * children); an error ends the span as failed and is rethrown.
 */
export function inSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer().startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links: options.links },
    parent,
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** Starts a span the caller ends (for work whose end is a callback, such as a publish's ack). */
export function startSpan(name: string, options: SpanOptions): Span {
  return tracer().startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links: options.links },
    options.parent ?? context.active(),
  );
}

/** Ends `span` as failed with `error`. */
export function failSpan(span: Span, error: unknown): void {
  span.recordException(error as Error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
  span.end();
}

/** Runs `work` with `span` active. */
export function withSpan<T>(span: Span, work: () => T): T {
  return context.with(trace.setSpan(context.active(), span), work);
}

/**
 * Exports the spans still buffered (at shutdown), within `timeoutMs`. A no-op without an SDK.
 */
export async function flushTelemetry(timeoutMs = 3000): Promise<void> {
  const provider = trace.getTracerProvider() as { getDelegate?: () => { forceFlush?: () => Promise<void> } };
  const flush = provider.getDelegate?.().forceFlush?.bind(provider.getDelegate());
  if (!flush) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    flush().catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs).unref())),
  ]).finally(() => clearTimeout(timer));
}

export { SpanKind, type Span } from '@opentelemetry/api';
