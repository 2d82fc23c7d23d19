import { and, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { UsersTx } from './user-repository.ts';
import { refreshTokens, type RefreshTokenRow } from './schema.ts';

export async function insertRefreshToken(db: UsersTx, row: typeof refreshTokens.$inferInsert): Promise<void> {
  await db.insert(refreshTokens).values(row);
}

/** The token with this hash, locked for the rest of the transaction (one rotation at a time). */
export async function lockRefreshToken(db: UsersTx, tokenHash: string): Promise<RefreshTokenRow | undefined> {
  const [row] = await db
    .select()
    .from(refreshTokens)
    .where(eq(refreshTokens.tokenHash, tokenHash))
    .for('update');
  return row;
}

export async function markRefreshTokenUsed(db: UsersTx, id: string, now: Date): Promise<void> {
  await db.update(refreshTokens).set({ usedAt: now }).where(eq(refreshTokens.id, id));
}

async function revokeLive(db: UsersTx, scope: SQL, now: Date): Promise<number> {
  const rows = await db
    .update(refreshTokens)
    .set({ revokedAt: now })
    .where(and(scope, isNull(refreshTokens.revokedAt)))
    .returning({ id: refreshTokens.id });
  return rows.length;
}

/** Revokes every live token of one log-in (its family); returns how many. */
export const revokeRefreshFamily = (db: UsersTx, familyId: string, now: Date): Promise<number> =>
  revokeLive(db, eq(refreshTokens.familyId, familyId), now);

/** Revokes every live refresh token of the user (role or password change). */
export const revokeRefreshTokensOfUser = (db: UsersTx, userId: string, now: Date): Promise<number> =>
  revokeLive(db, eq(refreshTokens.userId, userId), now);

/** Deletes the user's tokens that expired or were revoked before `before`: the table stays bounded. */
export async function deleteDeadRefreshTokens(db: UsersTx, userId: string, before: Date): Promise<void> {
  const at = before.toISOString();
  await db
    .delete(refreshTokens)
    .where(
      and(
        eq(refreshTokens.userId, userId),
        sql`(${refreshTokens.expiresAt} < ${at}::timestamptz or ${refreshTokens.revokedAt} < ${at}::timestamptz)`,
      ),
    );
}
