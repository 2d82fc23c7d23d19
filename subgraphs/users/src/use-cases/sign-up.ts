import type { NewUserInput } from '../domain/user-input.ts';
import type { UserRow } from '../db/schema.ts';
import type { UsersDeps } from './deps.ts';
import { registerUser } from './register-user.ts';

export interface AuthResult {
  token: string;
  user: UserRow;
}

/** Self-service sign-up always makes a WORKER; other roles are an admin's decision. */
export async function signUp(deps: UsersDeps, input: Omit<NewUserInput, 'role'>): Promise<AuthResult> {
  const user = await registerUser(deps, { ...input, role: 'WORKER' });
  const token = await deps.signer.sign({ userId: user.id, role: user.role }, deps.clock.now());
  return { token, user };
}
