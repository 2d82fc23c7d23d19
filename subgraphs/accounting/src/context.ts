import type { IncomingMessage } from 'node:http';
import DataLoader from 'dataloader';
import type { LiveFeed } from '@ates/events';
import type { TokenVerifier, Viewer } from '@ates/service-kit';
import { findAccountsOfUsers } from './db/account-repository.ts';
import type { AccountRow, PayoutRow, PricedTaskRow } from './db/schema.ts';
import { findTasksByIds } from './db/task-repository.ts';
import type { AccountingDeps } from './use-cases/deps.ts';
import { payoutsByAccount } from './use-cases/read-payouts.ts';

export interface Context {
  viewer: Viewer | null;
  deps: AccountingDeps;
  feed: LiveFeed;
  correlationId: string | undefined;
  /** Batches `User.account` over a list of users: no N+1. */
  accountByUserId: DataLoader<string, AccountRow | null>;
  /** Batches `Task.price` over a task dashboard: no N+1. */
  pricedTaskById: DataLoader<string, PricedTaskRow | null>;
  /** Batches `Account.payouts` over a list of accounts. */
  payoutsByAccountId: DataLoader<string, PayoutRow[]>;
}

function loader<T>(fetch: (keys: readonly string[]) => Promise<T[]>, keyOf: (row: T) => string) {
  return new DataLoader<string, T | null>(async (keys) => {
    const byKey = new Map((await fetch(keys)).map((row) => [keyOf(row), row]));
    return keys.map((k) => byKey.get(k) ?? null);
  });
}

/** The context of one operation, over HTTP or over graphql-ws. */
export function makeContext(
  deps: AccountingDeps,
  feed: LiveFeed,
  viewer: Viewer | null,
  correlationId?: string,
): Context {
  return {
    viewer,
    deps,
    feed,
    correlationId,
    accountByUserId: loader(
      (ids) => findAccountsOfUsers(deps.reads ?? deps.db, ids),
      (a) => a.userId,
    ),
    pricedTaskById: loader(
      (ids) => findTasksByIds(deps.reads ?? deps.db, ids),
      (t) => t.id,
    ),
    payoutsByAccountId: new DataLoader((ids) => payoutsByAccount(deps, ids)),
  };
}

export function makeContextFactory(deps: AccountingDeps, feed: LiveFeed, verifier: TokenVerifier) {
  return async (req: IncomingMessage): Promise<Context> => {
    const viewer = await verifier.viewerFromHeader(req.headers.authorization);
    const header = req.headers['x-correlation-id'];
    return makeContext(deps, feed, viewer, typeof header === 'string' ? header : undefined);
  };
}
