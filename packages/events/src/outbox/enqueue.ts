import { sql as drizzleSql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { Sql, TransactionSql } from 'postgres';
import { traceHeaders } from '@ates/service-kit';
import type { AnyEventEnvelope } from '../envelope.ts';
import { getRegistry, type EventRegistry } from '../registry/registry.ts';
import { subjectForDomain } from '../subjects.ts';

/** The relay LISTENs on this channel; every enqueue NOTIFYs it (delivered only on commit). */
export const OUTBOX_CHANNEL = 'ates_outbox';

/** A drizzle database or transaction (the caller's), or a postgres.js client or transaction. */
export type OutboxWriter = Pick<PgDatabase<PgQueryResultHKT>, 'insert' | 'execute'> | Sql | TransactionSql;

export interface EnqueueOptions {
  registry?: EventRegistry;
}

/** Events per INSERT: a few MB of JSON per statement at most. */
const ROWS_PER_STATEMENT = 5000;

/**
 * What travels per chunk: the envelopes, and each type's subject. The other columns (id, type,
 * version, aggregate id, the NATS headers) are read from the envelope in SQL rather than sent
 * beside it: a third less JSON per event to build, write to the socket and parse.
 */
function subjectsOf(events: readonly AnyEventEnvelope[], registry: EventRegistry): Record<string, string> {
  const subjects: Record<string, string> = {};
  for (const { type } of events)
    subjects[type] ??= subjectForDomain(undefined, registry.domainOf(type), type);
  return subjects;
}

/**
 * The W3C trace context of the work enqueueing (empty when untraced), stored in the rows' NATS
 * headers: the relay's publish and every consumer continue the request's trace.
 */
interface Trace {
  traceparent: string;
  tracestate: string;
}

/** A tagged template of either client: postgres.js's `sql\`…\`` or drizzle's. */
type SqlTag<R> = (strings: TemplateStringsArray, ...values: (string | number)[]) => R;

/**
 * One chunk's INSERT, written once for both clients: the envelopes and the type → subject map
 * go as JSON text cast to jsonb, and `with ordinality … order by` keeps `seq` in the events' order.
 * The headers column holds the trace context only, one value for the chunk: the relay builds
 * the type, version, aggregate and correlation headers from the row (a jsonb object built per
 * row here cost ~15% of the insert's Postgres CPU).
 */
const insertChunk = <R>(tag: SqlTag<R>, subjects: string, envelopes: string, trace: string): R => tag`
  insert into outbox (id, subject, type, version, aggregate_id, payload, headers)
  select (p->>'id')::uuid, (select ${subjects}::jsonb) ->> (p->>'type'),
         p->>'type', (p->>'version')::int, p->>'aggregateId', p, (select ${trace}::jsonb)
  from jsonb_array_elements(${envelopes}::jsonb) with ordinality as e(p, n)
  order by n`;

/**
 * Writes events to the outbox inside the caller's transaction, so they are published if and only
 * if the state change commits. Every event is validated first: an invalid one throws an
 * EventValidationError before anything is written (and the caller's transaction rolls back).
 */
export async function enqueueEvents(
  tx: OutboxWriter,
  events: readonly AnyEventEnvelope[],
  options: EnqueueOptions = {},
): Promise<void> {
  if (events.length === 0) return;
  const registry = options.registry ?? getRegistry();
  for (const event of events) registry.assertValid(event);
  const { traceparent, tracestate } = traceHeaders();
  const context: Partial<Trace> = {};
  if (traceparent) context.traceparent = traceparent;
  if (tracestate) context.tracestate = tracestate;
  const trace = JSON.stringify(context);
  const chunks: [subjects: string, envelopes: string][] = [];
  for (let i = 0; i < events.length; i += ROWS_PER_STATEMENT) {
    const chunk = events.slice(i, i + ROWS_PER_STATEMENT);
    chunks.push([JSON.stringify(subjectsOf(chunk, registry)), JSON.stringify(chunk)]);
  }
  if (typeof tx === 'function') {
    // postgres.js: the hot path of batch producers (a shuffle writes 100k events). Each chunk goes
    // as ONE JSON document, expanded in SQL: a text[] of JSON strings made postgres.js escape
    // every quote in Node (~45 µs of Node CPU per event, 8× what this costs). JSON text rather
    // than a json parameter, because drizzle turns off postgres.js's json serializer on clients
    // it shares.
    // Every chunk sent at once, pipelined on the connection: Postgres never waits on a round trip.
    const inserts = chunks.map(([subjects, envelopes]) =>
      insertChunk((strings, ...values) => tx(strings, ...values).execute(), subjects, envelopes, trace),
    );
    await Promise.all([...inserts, tx`select pg_notify(${OUTBOX_CHANNEL}, '')`.execute()]);
    return;
  }
  // Drizzle: the same one-JSON-document statement (its multi-row VALUES costs Node several µs
  // per parameter, seven per event; consumers enqueue hundreds of events per batch). Sent
  // together as well: the NOTIFY is delivered at commit whatever the order, so it costs no
  // round trip of its own on a consumer's transaction.
  await Promise.all([
    ...chunks.map(([subjects, envelopes]) => tx.execute(insertChunk(drizzleSql, subjects, envelopes, trace))),
    tx.execute(drizzleSql`select pg_notify(${OUTBOX_CHANNEL}, '')`),
  ]);
}
