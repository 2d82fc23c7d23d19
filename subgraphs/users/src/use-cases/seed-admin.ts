import { enqueueEvents } from '@ates/events';
import { hashPassword } from '../domain/password.ts';
import { userCreated } from '../events/user-events.ts';
import { validateNewUser } from '../domain/user-input.ts';
import { countUsers, insertUser, lockAdminSeed } from '../db/user-repository.ts';
import type { UsersDeps } from './deps.ts';

export interface AdminSeed {
  login: string;
  password: string;
  email: string;
  name: string;
}

/**
 * The first admin comes from configuration, and only into an empty database: once anyone
 * exists the seed is ignored (changing the env later never resets a password).
 */
export async function seedAdmin(deps: UsersDeps, seed: AdminSeed): Promise<boolean> {
  const valid = validateNewUser({ ...seed, role: 'ADMIN' }, { passwordPolicy: false });
  // The hash costs ~0.5 s of CPU and 128 MiB at every start otherwise; the lock below decides.
  if ((await countUsers(deps.db)) > 0) return false;
  const passwordHash = await hashPassword(valid.password, deps.passwordCost);
  return deps.db.transaction(async (tx) => {
    await lockAdminSeed(tx);
    if ((await countUsers(tx)) > 0) return false;
    const now = deps.clock.now();
    const { login, name, email, role } = valid;
    const user = await insertUser(tx, {
      id: deps.newId(),
      login,
      name,
      email,
      role,
      passwordHash,
      createdAt: now,
      updatedAt: now,
    });
    await enqueueEvents(tx, [userCreated(user)]);
    return true;
  });
}
