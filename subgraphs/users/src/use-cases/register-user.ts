import { enqueueEvents } from '@ates/events';
import { conflict, type Role } from '@ates/service-kit';
import { hashPassword } from '../domain/password.ts';
import { validateNewUser, type NewUserInput } from '../domain/user-input.ts';
import { insertUser, takenFields } from '../db/user-repository.ts';
import type { UserRow } from '../db/schema.ts';
import { userCreated } from '../events/user-events.ts';
import type { UsersDeps } from './deps.ts';

function uniqueViolation(error: unknown): string | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const pg = e as { code?: string; constraint_name?: string };
    if (pg.code === '23505') return pg.constraint_name ?? '';
  }
  return undefined;
}

/**
 * Creates a user after validating the input; a taken login or email is a CONFLICT naming the
 * field, also when a concurrent registration wins the race (the unique index decides).
 */
export async function registerUser(deps: UsersDeps, input: NewUserInput & { role: Role }): Promise<UserRow> {
  const valid = validateNewUser(input, { passwordPolicy: true });
  const taken = await takenFields(deps.db, valid.login, valid.email);
  if (taken[0]) throw conflict(`This ${taken[0]} is already taken`, taken[0]);
  const passwordHash = await hashPassword(valid.password, deps.passwordCost);
  const now = deps.clock.now();
  try {
    return await deps.db.transaction(async (tx) => {
      const user = await insertUser(tx, {
        id: deps.newId(),
        login: valid.login,
        name: valid.name,
        email: valid.email,
        passwordHash,
        role: valid.role,
        createdAt: now,
        updatedAt: now,
      });
      await enqueueEvents(tx, [userCreated(user)]);
      return user;
    });
  } catch (error) {
    const constraint = uniqueViolation(error);
    if (constraint === undefined) throw error;
    const field = constraint.includes('email') ? 'email' : 'login';
    throw conflict(`This ${field} is already taken`, field);
  }
}
