import type { EventHandlers } from '@ates/events';
import { rememberProfile } from '../db/email-repository.ts';
import type * as tables from '../db/tables.ts';

/**
 * Keeps the worker's copy of users' names and emails. Events of one user may arrive late or
 * twice; a profile only moves forward in time (occurredAt), so an old event never undoes a
 * newer one.
 */
export const keepRecipientsWhenUsersChange: EventHandlers<typeof tables> = {
  'user.created': {
    1: async (event, { tx }) => {
      const { userId, login, name, email } = event.data;
      await rememberProfile(tx, { userId, login, name, email }, new Date(event.occurredAt));
    },
  },
  'user.updated': {
    1: async (event, { tx }) => {
      const { userId, login, name, email } = event.data;
      await rememberProfile(tx, { userId, login, name, email }, new Date(event.occurredAt));
    },
  },
};
