import type { UserRow } from '../db/schema.ts';
import type { UsersDeps } from './deps.ts';
import type { AuthResult } from './sign-up.ts';

/** The tokens a log-in hands out. */
export async function issueTokens(deps: UsersDeps, user: UserRow, now: Date): Promise<AuthResult> {
  const token = await deps.signer.sign({ userId: user.id, role: user.role }, now);
  return { token, user };
}
