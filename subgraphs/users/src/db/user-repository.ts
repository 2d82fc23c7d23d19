import { and, asc, count, eq, sql } from 'drizzle-orm';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { anyUuidPlaceholder, isUuid, preparedPerDb, uuidArrayLiteral, type Role } from '@ates/service-kit';
import type * as tables from './tables.ts';
import { users, type UserRow } from './schema.ts';

export type UsersDb = PostgresJsDatabase<typeof tables>;
/** A drizzle transaction or the database itself: repository functions work in either. */
export type UsersTx = Parameters<Parameters<UsersDb['transaction']>[0]>[0] | UsersDb;

export async function findUserById(db: UsersTx, id: string): Promise<UserRow | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row;
}

const usersByIds = preparedPerDb((db: UsersTx) =>
  db.select().from(users).where(anyUuidPlaceholder(users.id, 'ids')).prepare('users_by_ids'),
);

/** The `_entities` batch of a request: one statement whatever the number of ids. */
export async function findUsersByIds(db: UsersTx, ids: readonly string[]): Promise<UserRow[]> {
  const valid = ids.filter(isUuid);
  if (valid.length === 0) return [];
  return usersByIds(db).execute({ ids: uuidArrayLiteral(valid) });
}

export async function findUserByLogin(db: UsersTx, login: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(eq(sql`lower(${users.login})`, login.trim().toLowerCase()));
  return row;
}

export async function listUsers(db: UsersTx, role: Role | undefined): Promise<UserRow[]> {
  return db
    .select()
    .from(users)
    .where(role ? eq(users.role, role) : undefined)
    .orderBy(asc(users.login));
}

export async function countUsers(db: UsersTx, role?: Role): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(users)
    .where(role ? eq(users.role, role) : undefined);
  return row?.n ?? 0;
}

/** Which of login/email are taken (case-insensitively) by someone else. */
export async function takenFields(
  db: UsersTx,
  login: string,
  email: string,
): Promise<Array<'login' | 'email'>> {
  const rows = await db
    .select({ login: users.login, email: users.email })
    .from(users)
    .where(
      sql`lower(${users.login}) = ${login.toLowerCase()} or lower(${users.email}) = ${email.toLowerCase()}`,
    );
  const taken: Array<'login' | 'email'> = [];
  if (rows.some((r) => r.login.toLowerCase() === login.toLowerCase())) taken.push('login');
  if (rows.some((r) => r.email.toLowerCase() === email.toLowerCase())) taken.push('email');
  return taken;
}

export async function insertUser(db: UsersTx, row: typeof users.$inferInsert): Promise<UserRow> {
  const [inserted] = await db.insert(users).values(row).returning();
  if (!inserted) throw new Error('insert returned no row');
  return inserted;
}

/** Sets the role and starts a new token generation (every older token dies). */
export const updateRole = (db: UsersTx, id: string, role: Role, now: Date) =>
  updateAndRevokeTokens(db, id, { role }, now);

/** Applies `change` and starts a new token generation: every token issued before dies. */
async function updateAndRevokeTokens(
  db: UsersTx,
  id: string,
  change: Partial<typeof users.$inferInsert>,
  now: Date,
): Promise<UserRow | undefined> {
  const [row] = await db
    .update(users)
    .set({ ...change, updatedAt: now, tokenGeneration: sql`${users.tokenGeneration} + 1` })
    .where(eq(users.id, id))
    .returning();
  return row;
}

/** Locks the user row for the rest of the transaction (serializes role changes). */
export async function lockUser(db: UsersTx, id: string): Promise<UserRow | undefined> {
  if (!isUuid(id)) return undefined;
  const [row] = await db.select().from(users).where(eq(users.id, id)).for('update');
  return row;
}

/** Replaces a password hash, unless it changed meanwhile (a concurrent log-in rehashed it). */
export async function updatePasswordHash(
  db: UsersTx,
  id: string,
  previous: string,
  next: string,
): Promise<void> {
  await db
    .update(users)
    .set({ passwordHash: next })
    .where(and(eq(users.id, id), eq(users.passwordHash, previous)));
}

/** Until the transaction ends, one demotion of an admin at a time (so the last one stays). */
export async function lockAdminDemotions(db: UsersTx): Promise<void> {
  await db.execute(`select pg_advisory_xact_lock(hashtext('users.admin-demotion'))`);
}

/** Until the transaction ends, one seeding of the first admin at a time. */
export async function lockAdminSeed(db: UsersTx): Promise<void> {
  await db.execute(`select pg_advisory_xact_lock(hashtext('users.seed-admin'))`);
}

/** Sets a new password hash and starts a new token generation (every older token dies). */
export const replacePassword = (db: UsersTx, id: string, passwordHash: string, now: Date) =>
  updateAndRevokeTokens(db, id, { passwordHash }, now);
