import { badInput, conflict, requireViewer, type Viewer } from '@ates/service-kit';
import { hashPassword, verifyPassword } from '../domain/password.ts';
import { checkNewPassword, PASSWORD_MAX } from '../domain/user-input.ts';
import { findUserById, lockUser, replacePassword } from '../db/user-repository.ts';
import type { UsersDeps } from './deps.ts';
import { issueTokens, revokeTokensOf, type AuthResult } from './tokens.ts';

/**
 * The user changes their own password, proving the current one. Every token of theirs dies
 * (other devices must log in again, a thief's copy with them); this device gets a new pair.
 */
export async function changePassword(
  deps: UsersDeps,
  viewer: Viewer | null,
  currentPassword: string,
  newPassword: string,
): Promise<AuthResult> {
  const me = requireViewer(viewer);
  checkNewPassword(newPassword);
  const user = await findUserById(deps.db, me.userId);
  const valid =
    user !== undefined &&
    currentPassword.length <= PASSWORD_MAX &&
    (await verifyPassword(currentPassword, user.passwordHash));
  if (!valid) throw badInput('currentPassword', 'The current password is wrong');
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
