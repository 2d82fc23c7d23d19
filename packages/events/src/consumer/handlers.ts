import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type { Logger } from '@ates/service-kit';
import type { AnyEventEnvelope, EnvelopeOf, EventEnvelope, EventType, EventVersion } from '../envelope.ts';

/** The drizzle transaction a handler's effect (and the inbox row) commits in. */
export type ConsumerTx<TSchema extends Record<string, unknown>> = Parameters<
  Parameters<PostgresJsDatabase<TSchema>['transaction']>[0]
>[0];

export interface Delivery {
  consumer: string;
  stream: string;
  subject: string;
  streamSeq: number;
  /** 1 on the first delivery. */
  attempt: number;
}

export interface HandlerContext<TSchema extends Record<string, unknown> = Record<string, never>> {
  tx: ConsumerTx<TSchema>;
  logger: Logger;
  delivery: Delivery;
}

/**
 * A reaction to one (type, version). It runs inside the transaction that also records the event
 * in the inbox: write the effect with `ctx.tx` (and enqueue follow-up events with it), throw to
 * roll back and be retried.
 */
export type EventHandler<
  T extends EventType,
  V extends EventVersion<T>,
  TSchema extends Record<string, unknown> = Record<string, never>,
> = (event: EventEnvelope<T, V>, ctx: HandlerContext<TSchema>) => Promise<void> | void;

/**
 * Optional: applies the fresh events of a batch together (set-based writes instead of one
 * handler call per event), in arrival order and already upcast, in the transaction that records
 * them in the inbox. The per-event handlers still choose which events are handled, and apply
 * them one by one when a failed batch is redone event by event.
 */
export type BatchHandler<TSchema extends Record<string, unknown> = Record<string, never>> = (
  events: AnyEventEnvelope[],
  ctx: { tx: ConsumerTx<TSchema>; logger: Logger },
) => Promise<void>;

/** Handlers by type and version: `{ 'task.created': { 2: onTaskCreated } }`. */
export type EventHandlers<TSchema extends Record<string, unknown> = Record<string, never>> = {
  [T in EventType]?: { [V in EventVersion<T>]?: EventHandler<T, V, TSchema> };
};

/** Turns an older version into a newer one of the same type; applied until a handler matches. */
export type Upcaster<T extends EventType, V extends EventVersion<T>> = (
  event: EventEnvelope<T, V>,
) => EnvelopeOf<T>;

export type Upcasters = { [T in EventType]?: { [V in EventVersion<T>]?: Upcaster<T, V> } };

/**
 * Handlers that apply each event as a batch of one through `batch`, so an event alone, a batch
 * and a failed batch redone event by event all take the same code path.
 */
export function batchOfOne<TSchema extends Record<string, unknown>>(
  batch: BatchHandler<TSchema>,
  handled: { [T in EventType]?: readonly EventVersion<T>[] },
): EventHandlers<TSchema> {
  const one = (event: AnyEventEnvelope, { tx, logger }: HandlerContext<TSchema>) =>
    batch([event], { tx, logger });
  const handlers: Record<string, Record<number, typeof one>> = {};
  for (const [type, versions] of Object.entries(handled) as [string, readonly number[]][])
    handlers[type] = Object.fromEntries(versions.map((v) => [v, one]));
  // Built by the runtime (type, version) pairs that `handled` lists, each with the loose handler.
  return handlers as EventHandlers<TSchema>;
}
