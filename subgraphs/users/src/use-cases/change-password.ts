import { badInput, conflict, DomainError, requireViewer, type Viewer } from '@ates/service-kit';
import { hashPassword } from '../domain/password.ts';
import { checkNewPassword, PASSWORD_MAX } from '../domain/user-input.ts';
import { findUserById, lockUser, replacePassword } from '../db/user-repository.ts';
import { checkPassword } from './log-in.ts';
import type { UsersDeps } from './deps.ts';
import { issueTokens, revokeTokensOf, type AuthResult } from './tokens.ts';

/**
 * The user changes their own password, proving the current one under the log-in throttle
 * (RATE_LIMITED past it). Every token of theirs dies (other devices must log in again, a
 * thief's copy with them); this device gets a new pair.
 */
export async function changePassword(
  deps: UsersDeps,
  viewer: Viewer | null,
  currentPassword: string,
  newPassword: string,
  clientAddress?: string,
): Promise<AuthResult> {
  const me = requireViewer(viewer);
  checkNewPassword(newPassword);
  if (currentPassword.length > PASSWORD_MAX)
    throw badInput('currentPassword', 'The current password is wrong');
  const owner = await findUserById(deps.db, me.userId);
  if (!owner) throw badInput('currentPassword', 'The current password is wrong');
  const user = await checkPassword(deps, owner.login, currentPassword, clientAddress).catch(
    (error: unknown) => {
      if (error instanceof DomainError && error.code === 'UNAUTHENTICATED')
        throw badInput('currentPassword', 'The current password is wrong');
      throw error;
    },
  );
  const passwordHash = await hashPassword(newPassword, deps.passwordCost);
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    // Locked, then changed only if no other change won meanwhile (its tokens would survive).
    const locked = await lockUser(tx, me.userId);
    if (!locked || locked.passwordHash !== user.passwordHash)
      throw conflict('The password changed meanwhile: try again', 'currentPassword');
    const updated = await replacePassword(tx, me.userId, passwordHash, now);
    if (!updated) throw conflict('The password changed meanwhile: try again', 'currentPassword');
    await revokeTokensOf(tx, updated, 'password-changed', now);
    return issueTokens(deps, updated, now, tx);
  });
}
