import { DateScalar, DateTimeScalar, MoneyScalar, requireRole, requireViewer } from '@ates/service-kit';
import type { Resolvers } from '../generated/resolvers-types.ts';
import { ACCOUNTING_STAFF } from '../domain/permissions.ts';
import { closeBillingDayAsAdmin } from '../use-cases/close-billing-day.ts';
import { accountingDays, accountingToday } from '../use-cases/dashboard.ts';
import { accountOfUser, auditLog, myAccount } from '../use-cases/read-account.ts';
import { checkReconciliationArgs, reconciliationPageId } from '../domain/reconciliation.ts';
import { reconcile, type ReconciledPage } from '../use-cases/reconcile.ts';
import type { Context } from '../context.ts';
import type { ReconciliationRef } from './refs.ts';
import { accountingTodayStream, myAccountStream } from './live.ts';

const userRef = (id: string) => ({ __typename: 'User' as const, id });
const taskRef = (id: string) => ({ __typename: 'Task' as const, id });

/** The page's three fields share one comparison. */
const pages = new WeakMap<ReconciliationRef, Promise<ReconciledPage>>();
function pageOf(ref: ReconciliationRef, { viewer, deps }: Context): Promise<ReconciledPage> {
  let page = pages.get(ref);
  if (!page) {
    // Without the task tracker's side (a direct call that skipped the gateway) there is no answer.
    if (!ref.tracked)
      throw new Error('reconciliation needs the task tracker’s counters (query it through the gateway)');
    page = reconcile(deps, viewer, ref.id, ref.tracked);
    pages.set(ref, page);
  }
  return page;
}

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Date: DateScalar,
  Money: MoneyScalar,
  Query: {
    myAccount: (_, __, { viewer, deps }) => myAccount(deps, viewer),
    accountingDashboard: (_, __, { viewer }) => {
      requireRole(viewer, ACCOUNTING_STAFF);
      return {};
    },
    reconciliation: (_, { first, after }, { viewer }) => {
      requireRole(viewer, ACCOUNTING_STAFF);
      const page = checkReconciliationArgs(first ?? 1000, after);
      return { id: reconciliationPageId(page.first, page.after) };
    },
  },
  Mutation: {
    closeBillingDay: (_, { day }, { viewer, deps }) => closeBillingDayAsAdmin(deps, viewer, day),
  },
  Subscription: {
    myAccount: { subscribe: (_, __, { viewer, deps, feed }) => myAccountStream(feed, deps, viewer) },
    accountingToday: {
      subscribe: (_, __, { viewer, deps, feed }) => accountingTodayStream(feed, deps, viewer),
    },
  },
  AccountingDashboard: {
    today: (_, __, { deps }) => accountingToday(deps),
    days: (_, { from, to }, { deps }) => accountingDays(deps, from, to),
  },
  Account: {
    owner: (account) => userRef(account.userId),
    transactions: (account, args, { deps }) => auditLog(deps, account, args),
    payouts: (account, _, { payoutsByAccountId }) => payoutsByAccountId.load(account.id),
  },
  Transaction: {
    task: (row) => (row.taskId ? taskRef(row.taskId) : null),
  },
  Reconciliation: {
    __resolveReference: (ref) => ref,
    tasksChecked: async (ref, _, context) => (await pageOf(ref, context)).tasksChecked,
    mismatches: async (ref, _, context) => (await pageOf(ref, context)).mismatches,
    pageInfo: async (ref, _, context) => {
      const { endCursor } = await pageOf(ref, context);
      return { hasNextPage: endCursor !== null, endCursor };
    },
  },
  TaskMismatch: {
    task: (m) => (m.trackerKnows ? taskRef(m.taskId) : null),
  },
  User: {
    account: (user, _, { viewer, accountByUserId }) =>
      accountOfUser(viewer, user.id, (id) => accountByUserId.load(id)),
  },
  Task: {
    __resolveReference: (ref) => ({ id: ref.id }),
    price: async (task, _, { viewer, pricedTaskById }) => {
      requireViewer(viewer);
      const priced = await pricedTaskById.load(task.id);
      return priced ? { assignFee: priced.assignFee, reward: priced.reward } : null;
    },
  },
};
