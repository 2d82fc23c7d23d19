import type { NewUserInput } from '../domain/user-input.ts';
import type { UsersDeps } from './deps.ts';
import { registerUser } from './register-user.ts';
import { issueTokens, type AuthResult } from './tokens.ts';

/** Self-service sign-up always makes a WORKER; other roles are an admin's decision. */
export async function signUp(deps: UsersDeps, input: Omit<NewUserInput, 'role'>): Promise<AuthResult> {
  const user = await registerUser(deps, { ...input, role: 'WORKER' });
  return issueTokens(deps, user, deps.clock.now());
}
