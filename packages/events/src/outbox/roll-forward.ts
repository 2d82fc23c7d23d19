import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { jsonParam } from '@ates/service-kit';
import type { AnyEventEnvelope } from '../envelope.ts';

/** One of a service's own events read back from its stream (a restore's roll-forward). */
export interface OwnEvent {
  envelope: AnyEventEnvelope;
  /** Subject without the namespace. */
  subject: string;
  headers: Record<string, string>;
}

/**
 * Records events read back from the stream as published outbox rows (the relay never sends
 * them again), and marks rows the dump held unpublished but the stream already has.
 */
export async function recordPublished(
  db: PgDatabase<PgQueryResultHKT, Record<string, unknown>>,
  events: readonly OwnEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map(({ envelope, subject, headers }) => ({
    id: envelope.id,
    subject,
    type: envelope.type,
    version: envelope.version,
    aggregate_id: envelope.aggregateId ?? null,
    payload: envelope,
    headers,
    created_at: envelope.occurredAt,
  }));
  await db.execute(sql`
    insert into outbox (id, subject, type, version, aggregate_id, payload, headers, created_at, published_at)
    select e.id, e.subject, e.type, e.version, e.aggregate_id, e.payload, e.headers, e.created_at, now()
    from jsonb_to_recordset(${jsonParam(rows)})
      as e(id uuid, subject text, type text, version int, aggregate_id text, payload jsonb, headers jsonb, created_at timestamptz)
    on conflict (id) do update set published_at = coalesce(outbox.published_at, now())`);
}
