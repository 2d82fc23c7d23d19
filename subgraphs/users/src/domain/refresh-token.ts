import { createHash } from 'node:crypto';
import { badInput } from '@ates/service-kit';

/** What is stored of a refresh token: its SHA-256 (the token itself is 256 random bits). */
export const hashRefreshToken = (token: string): string =>
  createHash('sha256').update(token).digest('base64url');

/** A refresh token is 43 base64url characters; anything far off is refused before any lookup. */
export function checkRefreshTokenInput(token: string): void {
  if (token.length > 100) throw badInput('refreshToken', 'A refresh token is at most 100 characters');
}

/** What a refresh token presented for rotation is, as its row says. */
export type RefreshVerdict = 'unknown' | 'revoked' | 'expired' | 'reused' | 'stale-generation' | 'valid';

export function judgeRefreshToken(
  row: { usedAt: Date | null; revokedAt: Date | null; expiresAt: Date; generation: number } | undefined,
  userGeneration: number | undefined,
  now: Date,
): RefreshVerdict {
  if (!row) return 'unknown';
  if (row.revokedAt) return 'revoked';
  // A rotated token presented again: someone holds a copy (OWASP: refresh token reuse detection).
  if (row.usedAt) return 'reused';
  if (row.expiresAt.getTime() <= now.getTime()) return 'expired';
  if (userGeneration === undefined || row.generation !== userGeneration) return 'stale-generation';
  return 'valid';
}
