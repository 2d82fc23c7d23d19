import { sql } from 'drizzle-orm';
import type { Role } from '@ates/service-kit';
import { popugs } from './schema.ts';
import type { TasksTx } from './task-repository.ts';

// Each field group only moves forward in time: a late, older event never undoes a newer one.

/** A user as created: profile and role, each kept where a newer change is already known. */
export async function rememberPopug(
  db: TasksTx,
  p: { id: string; login: string; name: string; role: Role },
  at: Date,
): Promise<void> {
  await db
    .insert(popugs)
    .values({ ...p, roleChangedAt: at, profileChangedAt: at })
    .onConflictDoUpdate({
      target: popugs.id,
      set: {
        login: sql`case when ${popugs.profileChangedAt} < excluded.profile_changed_at then excluded.login else ${popugs.login} end`,
        name: sql`case when ${popugs.profileChangedAt} < excluded.profile_changed_at then excluded.name else ${popugs.name} end`,
        role: sql`case when ${popugs.roleChangedAt} < excluded.role_changed_at then excluded.role else ${popugs.role} end`,
        roleChangedAt: sql`greatest(${popugs.roleChangedAt}, excluded.role_changed_at)`,
        profileChangedAt: sql`greatest(${popugs.profileChangedAt}, excluded.profile_changed_at)`,
      },
    });
}

/** A profile change; before the creation event, the role waits for it (WORKER until then). */
export async function rememberProfile(
  db: TasksTx,
  p: { id: string; login: string; name: string },
  at: Date,
): Promise<void> {
  await db
    .insert(popugs)
    .values({ ...p, role: 'WORKER', roleChangedAt: new Date(0), profileChangedAt: at })
    .onConflictDoUpdate({
      target: popugs.id,
      set: { login: p.login, name: p.name, profileChangedAt: at },
      setWhere: sql`${popugs.profileChangedAt} < excluded.profile_changed_at`,
    });
}

/** A role change; before the creation event, the profile is a placeholder (the user id). */
export async function rememberRole(db: TasksTx, id: string, role: Role, at: Date): Promise<void> {
  await db
    .insert(popugs)
    .values({ id, login: id, name: id, role, roleChangedAt: at, profileChangedAt: new Date(0) })
    .onConflictDoUpdate({
      target: popugs.id,
      set: { role, roleChangedAt: at },
      setWhere: sql`${popugs.roleChangedAt} < excluded.role_changed_at`,
    });
}
