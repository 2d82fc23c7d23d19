import { unauthenticated } from '@ates/service-kit';
import { burnPasswordCheck, verifyPassword } from '../domain/password.ts';
import { findUserByLogin } from '../db/user-repository.ts';
import type { UsersDeps } from './deps.ts';
import type { AuthResult } from './sign-up.ts';

/** One message for unknown login and wrong password, and the same work for both. */
export async function logIn(deps: UsersDeps, login: string, password: string): Promise<AuthResult> {
  const user = await findUserByLogin(deps.db, login);
  if (!user) {
    await burnPasswordCheck(password, deps.passwordCost);
    throw unauthenticated('Invalid login or password');
  }
  if (!(await verifyPassword(password, user.passwordHash)))
    throw unauthenticated('Invalid login or password');
  const token = await deps.signer.sign({ userId: user.id, role: user.role }, deps.clock.now());
  return { token, user };
}
