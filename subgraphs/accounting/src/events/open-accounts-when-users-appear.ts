import type { EventHandlers } from '@ates/events';
import type * as tables from '../db/tables.ts';
import { openAccount } from '../db/account-repository.ts';
import type { AccountingDeps } from '../use-cases/deps.ts';

/**
 * Every user has one account. Users' events open it; whichever event of any stream names a
 * user first opens it (streams are not ordered with each other), the others find it open.
 */
export function openAccountsWhenUsersAppear(deps: AccountingDeps): EventHandlers<typeof tables> {
  const open = (userId: string, tx: Parameters<typeof openAccount>[0]) =>
    openAccount(tx, userId, deps.clock.now(), deps.newId);
  return {
    'user.created': { 1: (event, { tx }) => open(event.data.userId, tx) },
    'user.updated': { 1: (event, { tx }) => open(event.data.userId, tx) },
    'user.role-changed': { 1: (event, { tx }) => open(event.data.userId, tx) },
  };
}
