import { sql } from 'drizzle-orm';
import type { EventHandlers } from '@ates/events';
import type * as tables from '../db/tables.ts';
import { popugs } from '../db/schema.ts';

/**
 * Keeps the task tracker's copy of the users current. Events of different users arrive in any
 * order and may repeat; each field group only moves forward in time (occurredAt), so a late
 * `user.created` never undoes a newer role change.
 */
export const keepPopugsWhenUsersChange: EventHandlers<typeof tables> = {
  'user.created': {
    1: async (event, { tx }) => {
      const at = new Date(event.occurredAt);
      const { userId, login, name, role } = event.data;
      await tx
        .insert(popugs)
        .values({ id: userId, login, name, role, roleChangedAt: at, profileChangedAt: at })
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
    },
  },
  'user.updated': {
    1: async (event, { tx }) => {
      const at = new Date(event.occurredAt);
      const { userId, login, name } = event.data;
      // An update before the creation event: remember the profile; the role comes with creation.
      await tx
        .insert(popugs)
        .values({ id: userId, login, name, role: 'WORKER', roleChangedAt: new Date(0), profileChangedAt: at })
        .onConflictDoUpdate({
          target: popugs.id,
          set: { login, name, profileChangedAt: at },
          setWhere: sql`${popugs.profileChangedAt} < excluded.profile_changed_at`,
        });
    },
  },
  'user.role-changed': {
    1: async (event, { tx }) => {
      const at = new Date(event.occurredAt);
      const { userId, role } = event.data;
      await tx
        .insert(popugs)
        .values({
          id: userId,
          login: userId,
          name: userId,
          role,
          roleChangedAt: at,
          profileChangedAt: new Date(0),
        })
        .onConflictDoUpdate({
          target: popugs.id,
          set: { role, roleChangedAt: at },
          setWhere: sql`${popugs.roleChangedAt} < excluded.role_changed_at`,
        });
    },
  },
};
