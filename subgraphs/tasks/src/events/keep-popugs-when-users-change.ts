import type { EventHandlers } from '@ates/events';
import type * as tables from '../db/tables.ts';
import { rememberPopug, rememberProfile, rememberRole } from '../db/popug-repository.ts';

/**
 * Keeps the task tracker's copy of the users current. Events of different users arrive in any
 * order and may repeat; each field group only moves forward in time (occurredAt), so a late
 * `user.created` never undoes a newer role change.
 */
export const keepPopugsWhenUsersChange: EventHandlers<typeof tables> = {
  'user.created': {
    1: async (event, { tx }) => {
      const { userId, login, name, role } = event.data;
      await rememberPopug(tx, { id: userId, login, name, role }, new Date(event.occurredAt));
    },
  },
  'user.updated': {
    1: async (event, { tx }) => {
      const { userId, login, name } = event.data;
      await rememberProfile(tx, { id: userId, login, name }, new Date(event.occurredAt));
    },
  },
  'user.role-changed': {
    1: async (event, { tx }) => {
      const { userId, role } = event.data;
      await rememberRole(tx, userId, role, new Date(event.occurredAt));
    },
  },
};
