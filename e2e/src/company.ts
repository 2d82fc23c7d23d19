import type { Role } from '@ates/service-kit';
import { ops, type GraphQLClient } from '@ates/testing';
import type { TestSystem } from './system.ts';

export interface Popug {
  id: string;
  login: string;
  password: string;
  role: Role;
  client: GraphQLClient;
}

let seq = 0;

/** Creates users with the given roles through the public API and logs each of them in. */
export async function hire(system: TestSystem, roles: Role[]): Promise<Popug[]> {
  const admin = await system.admin();
  const out: Popug[] = [];
  for (const role of roles) {
    seq += 1;
    const login = `${role.toLowerCase()}${seq}x${Math.random().toString(36).slice(2, 6)}`;
    const password = 'popug-password-1';
    const created = await admin.ok(ops.CreateUserDocument, {
      input: { login, password, role, name: `Popug ${login}`, email: `${login}@ates.test` },
    });
    out.push({
      id: created.createUser.id,
      login,
      password,
      role,
      client: await system.logIn(login, password),
    });
  }
  await system.settle();
  return out;
}
