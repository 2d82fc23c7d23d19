import { requireRole, type Viewer } from '@ates/service-kit';
import type { NewUserInput } from '../domain/user-input.ts';
import type { UserRow } from '../db/schema.ts';
import type { UsersDeps } from './deps.ts';
import { registerUser } from './register-user.ts';

export async function createUser(
  deps: UsersDeps,
  viewer: Viewer | null,
  input: NewUserInput,
): Promise<UserRow> {
  requireRole(viewer, ['ADMIN']);
  return registerUser(deps, input);
}
