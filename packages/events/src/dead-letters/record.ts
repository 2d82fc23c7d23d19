import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { RawEnvelope } from '../registry/registry.ts';
import { deadLetters } from '../tables.ts';

export interface DeadLetterInput {
  consumer: string;
  stream: string;
  streamSeq: number;
  subject: string;
  payload: string;
  headers: Record<string, string>;
  reason: string;
  attempts: number;
  envelope?: RawEnvelope;
}

/**
 * Records (or refreshes, if the same message comes back) a dead letter. The consumer calls
 * `term()` only after this commits, so a message is never dropped without a trace.
 */
export async function recordDeadLetter(
  db: Pick<PgDatabase<PgQueryResultHKT>, 'insert'>,
  input: DeadLetterInput,
) {
  const { envelope, ...rest } = input;
  await db
    .insert(deadLetters)
    .values({
      ...rest,
      eventId: envelope?.id ?? null,
      type: envelope?.type ?? null,
      version: envelope?.version ?? null,
    })
    .onConflictDoUpdate({
      target: [deadLetters.consumer, deadLetters.stream, deadLetters.streamSeq],
      set: { reason: input.reason, attempts: input.attempts, status: 'dead', updatedAt: sql`now()` },
    });
}
