import type { Sql } from 'postgres';
import { OUTBOX_CHANNEL } from './enqueue.ts';

/**
 * Rows not yet acknowledged by JetStream; with `limit`, counted up to it (a bounded read over
 * the partial index of unpublished rows, cheap enough for every metrics scrape).
 */
export async function countUnpublished(sql: Sql, limit?: number): Promise<number> {
  const [row] =
    limit === undefined
      ? await sql<{ n: number }[]>`select count(*)::int as n from outbox where published_at is null`
      : await sql<{ n: number }[]>`
          select count(*)::int as n
          from (select 1 from outbox where published_at is null limit ${limit}) as unpublished`;
  return row?.n ?? 0;
}

// Dates go as ISO text: drizzle turns off postgres.js's date serializer on clients it shares.

/** Deletes published rows older than the retention; unpublished rows are never deleted. */
export async function deletePublishedBefore(sql: Sql, before: Date): Promise<number> {
  const rows =
    await sql`delete from outbox where published_at < ${before.toISOString()}::timestamptz returning seq`;
  return rows.length;
}

/**
 * Marks every retained event created since `since` as unpublished, so the relay publishes them
 * again in their original order with their original message ids (after a stream lost data,
 * e.g. an OS crash before the file store synced). Consumers dedup what they already applied.
 */
export async function republishOutboxSince(sql: Sql, since: Date): Promise<number> {
  return sql.begin(async (tx) => {
    const rows = await tx`
      update outbox set published_at = null
      where created_at >= ${since.toISOString()}::timestamptz and published_at is not null returning seq`;
    await tx`select pg_notify(${OUTBOX_CHANNEL}, '')`;
    return rows.length;
  });
}
