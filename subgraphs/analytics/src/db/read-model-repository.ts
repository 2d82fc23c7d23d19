import { and, eq, inArray, sql } from 'drizzle-orm';
import { inbox } from '@ates/events';
import { anyUuid } from '@ates/service-kit';
import { READ_MODEL_TABLES, type AnalyticsDb, type AnalyticsTx } from './db.ts';
import { lockProjection } from './projection-lock.ts';

/** Empties the read model and forgets which events these consumers applied, in one transaction. */
export async function dropReadModel(db: AnalyticsDb, consumers: readonly string[]): Promise<void> {
  await db.transaction(async (tx) => {
    await lockProjection(tx);
    await tx.execute(sql.raw(`truncate ${READ_MODEL_TABLES.join(', ')}`));
    await tx.delete(inbox).where(inArray(inbox.consumer, [...consumers]));
  });
}

/** Which of these events the consumer has applied to the read model (its inbox rows). */
export async function appliedEventIds(
  db: AnalyticsTx,
  consumer: string,
  eventIds: readonly string[],
): Promise<Set<string>> {
  const rows = await db
    .select({ eventId: inbox.eventId })
    .from(inbox)
    .where(and(eq(inbox.consumer, consumer), anyUuid(inbox.eventId, eventIds)));
  return new Set(rows.map((r) => r.eventId));
}
