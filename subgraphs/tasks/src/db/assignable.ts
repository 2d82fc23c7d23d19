import { sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { UNASSIGNABLE_ROLES } from '../domain/task.ts';

// Literals, not parameters: the partial index popugs_assignable_idx has this predicate, and a
// query's plan can use it only if its own predicate provably matches in every plan.
const roleList = UNASSIGNABLE_ROLES.map((role) => `'${role}'`).join(', ');

/** The domain's isAssignable as a condition on a role column (drizzle). */
export const assignableRole = (role: PgColumn): SQL => sql`${role} not in (${sql.raw(roleList)})`;

/** The same condition as SQL text, for postgres.js statements (`tx.unsafe` fragments). */
export const assignableRoleText = (column: string): string => `${column} not in (${roleList})`;
