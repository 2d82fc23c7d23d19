import { eq, sql } from 'drizzle-orm';
import type { ConsumerTx } from '@ates/events';
import type * as tables from './tables.ts';
import { recipients, sentEmails, type RecipientRow, type SentEmailRow } from './schema.ts';

export type EmailTx = ConsumerTx<typeof tables>;

export interface Profile {
  userId: string;
  login: string;
  name: string;
  email: string;
}

/** A recipient's profile as of `at`; an older profile never overwrites a newer one. */
export async function rememberProfile(tx: EmailTx, profile: Profile, at: Date): Promise<void> {
  await tx
    .insert(recipients)
    .values({ ...profile, profileChangedAt: at })
    .onConflictDoUpdate({
      target: recipients.userId,
      set: { login: profile.login, name: profile.name, email: profile.email, profileChangedAt: at },
      setWhere: sql`${recipients.profileChangedAt} < excluded.profile_changed_at`,
    });
}

/** A profile learnt from elsewhere, dated the epoch so that the next users' event about them wins. */
export async function rememberProfileIfUnknown(tx: EmailTx, profile: Profile): Promise<void> {
  await tx
    .insert(recipients)
    .values({ ...profile, profileChangedAt: new Date(0) })
    .onConflictDoNothing();
}

export async function findRecipient(tx: EmailTx, userId: string): Promise<RecipientRow | undefined> {
  const [known] = await tx.select().from(recipients).where(eq(recipients.userId, userId));
  return known;
}

/** Until the transaction ends, one sender per idempotency key. */
export async function lockIdempotencyKey(tx: EmailTx, key: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`email:${key}`}, 0))`);
}

export async function findSentEmail(tx: EmailTx, key: string): Promise<SentEmailRow | undefined> {
  const [sent] = await tx.select().from(sentEmails).where(eq(sentEmails.idempotencyKey, key));
  return sent;
}

export async function recordSentEmail(tx: EmailTx, row: SentEmailRow): Promise<void> {
  await tx.insert(sentEmails).values(row);
}
