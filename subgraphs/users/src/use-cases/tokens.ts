import { enqueueEvents } from '@ates/events';
import { unauthenticated } from '@ates/service-kit';
import {
  deleteDeadRefreshTokens,
  insertRefreshToken,
  lockRefreshToken,
  markRefreshTokenUsed,
  revokeRefreshFamily,
  revokeRefreshTokensOfUser,
} from '../db/refresh-tokens.ts';
import { findUserById, type UsersTx } from '../db/user-repository.ts';
import type { UserRow } from '../db/schema.ts';
import { checkRefreshTokenInput, hashRefreshToken, judgeRefreshToken } from '../domain/refresh-token.ts';
import { userTokensRevoked, type TokensRevokedReason } from '../events/user-events.ts';
import type { UsersDeps } from './deps.ts';

/** What signing up, logging in and refreshing hand out. */
export interface AuthResult {
  /** The access token (a JWT of at most 15 min). */
  token: string;
  expiresAt: Date;
  /** Exchanged once for the next pair by `refreshToken`. */
  refreshToken: string;
  user: UserRow;
}

/** A fresh access token and a refresh token of `familyId` (a new log-in when omitted). */
export async function issueTokens(
  deps: UsersDeps,
  user: UserRow,
  now: Date,
  db: UsersTx = deps.db,
  familyId: string = deps.newId(),
): Promise<AuthResult> {
  const refreshToken = deps.newSecret();
  await insertRefreshToken(db, {
    id: deps.newId(),
    familyId,
    userId: user.id,
    tokenHash: hashRefreshToken(refreshToken),
    generation: user.tokenGeneration,
    createdAt: now,
    expiresAt: new Date(now.getTime() + deps.refreshTtlSeconds * 1000),
  });
  const token = await deps.signer.sign(
    { userId: user.id, role: user.role, generation: user.tokenGeneration },
    now,
  );
  const expiresAt = new Date(Math.floor(now.getTime() / 1000) * 1000 + deps.signer.ttlSeconds * 1000);
  return { token, expiresAt, refreshToken, user };
}

/**
 * Exchanges a refresh token for a new access token and a new refresh token (rotation). A
 * token already exchanged revokes its whole family: a thief and the owner cannot both go on.
 * Every refusal is the same UNAUTHENTICATED, so a caller learns nothing about other tokens.
 */
export async function refreshSession(deps: UsersDeps, refreshToken: string): Promise<AuthResult> {
  checkRefreshTokenInput(refreshToken);
  const now = deps.clock.now();
  const outcome = await deps.db.transaction(async (tx) => {
    const row = await lockRefreshToken(tx, hashRefreshToken(refreshToken));
    const user = row ? await findUserById(tx, row.userId) : undefined;
    const verdict = judgeRefreshToken(row, user?.tokenGeneration, now);
    if (verdict === 'reused' && row) {
      // Committed, not rolled back with the refusal: the family stays revoked.
      await revokeRefreshFamily(tx, row.familyId, now);
      return { verdict, userId: row.userId } as const;
    }
    if (verdict !== 'valid' || !row || !user) return { verdict } as const;
    await markRefreshTokenUsed(tx, row.id, now);
    await deleteDeadRefreshTokens(tx, user.id, now);
    return { verdict, result: await issueTokens(deps, user, now, tx, row.familyId) } as const;
  });
  if (outcome.verdict === 'reused') {
    deps.audit.refreshReused();
    deps.logger.warn({ userId: outcome.userId }, 'refresh token reused: its log-in is revoked');
  }
  if (!('result' in outcome) || !outcome.result) throw unauthenticated('Invalid refresh token: log in again');
  return outcome.result;
}

/** Ends the log-in the refresh token belongs to (its access token dies within 15 min). */
export async function logOut(deps: UsersDeps, refreshToken: string): Promise<boolean> {
  checkRefreshTokenInput(refreshToken);
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    const row = await lockRefreshToken(tx, hashRefreshToken(refreshToken));
    if (row) await revokeRefreshFamily(tx, row.familyId, now);
  });
  // The same answer for any token: logging out reveals nothing.
  return true;
}

/**
 * Inside the transaction that started the user's new token generation: revokes their refresh
 * tokens and publishes the generation, from which every service refuses older access tokens.
 */
export async function revokeTokensOf(
  tx: UsersTx,
  user: UserRow,
  reason: TokensRevokedReason,
  now: Date,
): Promise<void> {
  await revokeRefreshTokensOfUser(tx, user.id, now);
  await enqueueEvents(tx, [userTokensRevoked(user, reason, now)]);
}
