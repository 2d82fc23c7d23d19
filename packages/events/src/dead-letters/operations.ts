import { systemClock } from '@ates/service-kit';
import { and, desc, eq, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { jetstream } from '@nats-io/jetstream';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { HEADER_REPLAY_OF } from '../headers.ts';
import { deadLetters, type DeadLetterRow, type DeadLetterStatus } from '../tables.ts';

type Db = Pick<PgDatabase<PgQueryResultHKT>, 'select' | 'update'>;

export interface ListDeadLettersOptions {
  consumer?: string;
  status?: DeadLetterStatus;
  limit?: number;
}

/** Newest first. */
export async function listDeadLetters(
  db: Db,
  options: ListDeadLettersOptions = {},
): Promise<DeadLetterRow[]> {
  const where: SQL[] = [];
  if (options.consumer) where.push(eq(deadLetters.consumer, options.consumer));
  if (options.status) where.push(eq(deadLetters.status, options.status));
  return db
    .select()
    .from(deadLetters)
    .where(and(...where))
    .orderBy(desc(deadLetters.id))
    .limit(options.limit ?? 50);
}

export async function getDeadLetter(db: Db, id: number): Promise<DeadLetterRow | undefined> {
  const [row] = await db.select().from(deadLetters).where(eq(deadLetters.id, id));
  return row;
}

/**
 * Republishes a dead letter to its original subject (after the cause was fixed), then marks it
 * replayed. The message id is derived from the dead-letter row, so running the replay twice
 * publishes once within the duplicate window; consumers that had already applied the event skip
 * it through their inbox. The copy lands at the end of the stream.
 */
export async function replayDeadLetter(db: Db, nats: NatsConnection, id: number): Promise<DeadLetterRow> {
  const row = await getDeadLetter(db, id);
  if (!row) throw new Error(`Dead letter ${id} not found`);
  if (row.status !== 'dead') throw new Error(`Dead letter ${id} is ${row.status}, not dead`);
  const headers = natsHeaders();
  for (const [name, value] of Object.entries(row.headers)) {
    // Nats-* headers (message id, expectations) belong to the original publish.
    if (!name.toLowerCase().startsWith('nats-')) headers.set(name, value);
  }
  headers.set(HEADER_REPLAY_OF, String(row.id));
  await jetstream(nats).publish(row.subject, new TextEncoder().encode(row.payload), {
    msgID: `${row.eventId ?? 'message'}.replay.${row.id}`,
    headers,
  });
  const [updated] = await db
    .update(deadLetters)
    .set({ status: 'replayed', replayedAt: systemClock.now(), updatedAt: systemClock.now() })
    .where(eq(deadLetters.id, id))
    .returning();
  if (!updated) throw new Error(`Dead letter ${id} vanished during replay`);
  return updated;
}
