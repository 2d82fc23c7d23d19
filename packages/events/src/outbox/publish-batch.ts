import { headers as natsHeaders } from '@nats-io/transport-node';
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import type { Sql } from 'postgres';
import { contextFrom, failSpan, SpanKind, spanHeaders, startSpan, type Span } from '@ates/service-kit';
import { HEADER_AGGREGATE, HEADER_CORRELATION, HEADER_TYPE, HEADER_VERSION } from '../headers.ts';
import { withNamespace } from '../subjects.ts';

interface PendingRow {
  seq: string;
  id: string;
  subject: string;
  type: string;
  version: number;
  aggregateId: string | null;
  correlationId: string | null;
  /** What the row carries beyond the event's own headers: its trace context (older rows: all). */
  headers: Record<string, string>;
  body: string;
}

/** The event's headers (HEADER_*), built here rather than stored per row; the row's own win. */
function headersOf(row: PendingRow): Record<string, string> {
  const out: Record<string, string> = { [HEADER_TYPE]: row.type, [HEADER_VERSION]: String(row.version) };
  if (row.aggregateId) out[HEADER_AGGREGATE] = row.aggregateId;
  if (row.correlationId) out[HEADER_CORRELATION] = row.correlationId;
  return Object.assign(out, row.headers);
}

export interface BatchOptions {
  sql: Sql;
  js: JetStreamClient;
  namespace: string | undefined;
  /** Rows one step selects, publishes and marks. */
  batchSize: number;
  /** Publishes in flight at once within a step (a sliding window). */
  window: number;
  lockKey: string;
  publishTimeoutMs: number;
  /** Called after publishing, before marking rows published (tests simulate a crash here). */
  afterPublish?: (eventIds: string[]) => Promise<void> | void;
  /**
   * Rejects when the publishes still waiting for an answer are to be given up (their stream
   * elected a new leader: they went to the old one or to none). Those rows go again next step.
   */
  abandoned?: Promise<never>;
  /** Called when the first publish goes out and at every acknowledgement. */
  onProgress?: () => void;
}

export type BatchResult =
  | { status: 'standby' }
  | { status: 'done'; selected: number; published: number; duplicates: number; error?: unknown };

const encoder = new TextEncoder();

function publishSpan(row: PendingRow, subject: string): Span {
  return startSpan(`outbox publish ${row.subject}`, {
    kind: SpanKind.PRODUCER,
    parent: contextFrom(row.headers),
    attributes: {
      'messaging.system': 'nats',
      'messaging.operation.type': 'publish',
      'messaging.destination.name': subject,
      'messaging.message.id': row.id,
    },
  });
}

/**
 * Publishes the rows in `seq` order on one connection with up to `window` in flight: each ack
 * lets the next row go, so JetStream is never left waiting for a whole window to come back.
 * After a failure nothing new is sent; reports how many leading rows JetStream acknowledged.
 */
async function publishRows(
  options: BatchOptions,
  rows: PendingRow[],
): Promise<{ acked: number; duplicates: number; error?: unknown }> {
  const acks: (PubAck | undefined)[] = new Array<PubAck | undefined>(rows.length);
  let next = 0;
  const failures: { index: number; error: unknown }[] = [];
  const publishOne = async (row: PendingRow) => {
    const headers = natsHeaders();
    const subject = withNamespace(options.namespace, row.subject);
    // A row enqueued in a trace is published in it (the span the consumers' spans hang from).
    const span = row.headers.traceparent === undefined ? undefined : publishSpan(row, subject);
    const own = headersOf(row);
    const carried = span ? { ...own, ...spanHeaders(span) } : own;
    for (const [name, value] of Object.entries(carried)) headers.set(name, value);
    try {
      const ack = await options.js.publish(subject, encoder.encode(row.body), {
        msgID: row.id,
        headers,
        timeout: options.publishTimeoutMs,
      });
      span?.setAttribute('messaging.nats.stream_sequence', ack.seq).end();
      return ack;
    } catch (error) {
      if (span) failSpan(span, error);
      throw error;
    }
  };
  const { abandoned } = options;
  options.onProgress?.();
  const lane = async () => {
    while (next < rows.length && failures.length === 0) {
      const index = next++;
      try {
        const ack = publishOne(rows[index]!);
        acks[index] = await (abandoned ? Promise.race([ack, abandoned]) : ack);
        options.onProgress?.();
      } catch (error) {
        failures.push({ index, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.window, rows.length) }, lane));
  let acked = 0;
  while (acked < rows.length && acks[acked] !== undefined) acked += 1;
  const duplicates = acks.slice(0, acked).filter((a) => a?.duplicate).length;
  const first = failures.sort((a, b) => a.index - b.index)[0];
  return { acked, duplicates, ...(first ? { error: first.error } : {}) };
}

/**
 * One relay step. A transaction-scoped advisory lock makes one relay the publisher at a time
 * (the others stand by), which keeps `seq` order across instances; the rows stay unmarked until
 * JetStream acknowledged them, and only the acknowledged prefix is marked, so a crash or a
 * failed publish leads to a republish (dropped by the stream's duplicate window, or by the
 * consumers' inbox) and never to a loss.
 */
export async function relayBatch(options: BatchOptions): Promise<BatchResult> {
  return options.sql.begin(async (tx): Promise<BatchResult> => {
    // The lock and the rows in one round trip (a step's start is on every event's path): one
    // row with `ok` false when another relay holds the lock, the rows (or a null one) when not.
    const selected = await tx<(Omit<PendingRow, 'seq'> & { ok: boolean; seq: string | null })[]>`
      select l.ok, o.seq, o.id, o.subject, o.type, o.version, o.aggregate_id as "aggregateId",
             o."correlationId", o.headers, o.body
      from (select pg_try_advisory_xact_lock(hashtext(${options.lockKey})) as ok) as l
      left join lateral (
        select seq, id, subject, type, version, aggregate_id, payload->>'correlationId' as "correlationId",
               headers, payload::text as body
        from outbox where l.ok and published_at is null order by seq limit ${options.batchSize}
      ) as o on true`;
    if (!selected[0]?.ok) return { status: 'standby' };
    const rows = selected.filter((r): r is typeof r & { seq: string } => r.seq !== null);
    if (rows.length === 0) return { status: 'done', selected: 0, published: 0, duplicates: 0 };
    const { acked, duplicates, error } = await publishRows(options, rows);
    const published = rows.slice(0, acked);
    await options.afterPublish?.(published.map((r) => r.id));
    if (published.length > 0) {
      await tx`update outbox set published_at = now() where seq = any(${published.map((r) => r.seq)}::bigint[])`;
    }
    return {
      status: 'done',
      selected: rows.length,
      published: acked,
      duplicates,
      ...(error ? { error } : {}),
    };
  });
}
