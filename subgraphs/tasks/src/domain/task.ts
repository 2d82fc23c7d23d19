import type { Role } from '@ates/service-kit';

// Free of runtime imports: the db schema (read by drizzle-kit) builds on it.

export type TaskStatus = 'OPEN' | 'DONE';

/** The roles never given tasks: every other active user is assignable (docs/business-rules.md#roles). */
export const UNASSIGNABLE_ROLES = ['ADMIN', 'MANAGER'] as const satisfies readonly Role[];

/** The one definition of an assignable popug; db/assignable.ts states it in SQL for every query. */
export const isAssignable = (role: Role) => !(UNASSIGNABLE_ROLES as readonly Role[]).includes(role);
