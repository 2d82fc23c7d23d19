import { enqueueEvents } from '@ates/events';
import {
  badInput,
  failedPrecondition,
  isRole,
  isUuid,
  notFound,
  requireRole,
  type Role,
  type Viewer,
} from '@ates/service-kit';
import { userRoleChanged } from '../events/user-events.ts';
import { countUsers, lockUser, updateRole, lockAdminDemotions } from '../db/user-repository.ts';
import type { UserRow } from '../db/schema.ts';
import type { UsersDeps } from './deps.ts';
import { revokeTokensOf } from './tokens.ts';

/**
 * ADMIN changes a user's role. Tokens carry the role, so the user's tokens are revoked: their
 * refresh tokens at once, their access tokens wherever the revocation event arrives (seconds).
 * The last ADMIN cannot be demoted: the company would lose its administrator.
 */
export async function changeRole(
  deps: UsersDeps,
  viewer: Viewer | null,
  userId: string,
  role: Role,
): Promise<UserRow> {
  requireRole(viewer, ['ADMIN']);
  if (!isRole(role)) throw badInput('role', 'Unknown role');
  if (!isUuid(userId)) throw notFound(`No user with id ${userId}`);
  return deps.db.transaction(async (tx) => {
    const user = await lockUser(tx, userId);
    if (!user) throw notFound(`No user with id ${userId}`);
    if (user.role === role) return user;
    if (user.role === 'ADMIN') {
      // Serialize demotions of admins so two concurrent ones cannot remove the last two.
      await lockAdminDemotions(tx);
      if ((await countUsers(tx, 'ADMIN')) <= 1) throw failedPrecondition('The last ADMIN cannot be demoted');
    }
    const now = deps.clock.now();
    const updated = await updateRole(tx, userId, role, now);
    if (!updated) throw notFound(`No user with id ${userId}`);
    await enqueueEvents(tx, [userRoleChanged(updated, user.role)]);
    await revokeTokensOf(tx, updated, 'role-changed', now);
    return updated;
  });
}
