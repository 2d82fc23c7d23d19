import { sql } from 'drizzle-orm';
import type { ConsumerTx, EventHandlers } from '@ates/events';
import type * as tables from '../db/tables.ts';
import { recipients } from '../db/schema.ts';

/**
 * Keeps the worker's copy of users' names and emails. Events of one user may arrive late or
 * twice; a profile only moves forward in time (occurredAt), so an old event never undoes a
 * newer one.
 */
async function upsertProfile(
  tx: ConsumerTx<typeof tables>,
  profile: { userId: string; login: string; name: string; email: string },
  at: Date,
) {
  await tx
    .insert(recipients)
    .values({ ...profile, profileChangedAt: at })
    .onConflictDoUpdate({
      target: recipients.userId,
      set: { login: profile.login, name: profile.name, email: profile.email, profileChangedAt: at },
      setWhere: sql`${recipients.profileChangedAt} < excluded.profile_changed_at`,
    });
}

export const keepRecipientsWhenUsersChange: EventHandlers<typeof tables> = {
  'user.created': {
    1: async (event, { tx }) => {
      const { userId, login, name, email } = event.data;
      await upsertProfile(tx, { userId, login, name, email }, new Date(event.occurredAt));
    },
  },
  'user.updated': {
    1: async (event, { tx }) => {
      const { userId, login, name, email } = event.data;
      await upsertProfile(tx, { userId, login, name, email }, new Date(event.occurredAt));
    },
  },
};
