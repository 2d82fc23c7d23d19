import { DateScalar, DateTimeScalar, MoneyScalar, requireRole, requireViewer } from '@ates/service-kit';
import type { Resolvers } from '../generated/resolvers-types.ts';
import { ACCOUNTING_STAFF } from '../domain/permissions.ts';
import { closeBillingDayAsAdmin } from '../use-cases/close-billing-day.ts';
import { accountingDays, accountingToday } from '../use-cases/dashboard.ts';
import { accountOfUser, auditLog, myAccount } from '../use-cases/read-account.ts';
import { reconcile } from '../use-cases/reconcile.ts';
import { accountingTodayStream, myAccountStream } from './live.ts';

const userRef = (id: string) => ({ __typename: 'User' as const, id });
const taskRef = (id: string) => ({ __typename: 'Task' as const, id });

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
    reconciliation: (_, __, { viewer, deps }) => reconcile(deps, viewer),
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
  TaskMismatch: {
    task: (count) => taskRef(count.taskId),
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
