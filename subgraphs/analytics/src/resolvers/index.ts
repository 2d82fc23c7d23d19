import { DateScalar, DateTimeScalar, MoneyScalar, requireRole } from '@ates/service-kit';
import type { Resolvers } from '../generated/resolvers-types.ts';
import { ANALYSTS } from '../domain/permissions.ts';
import { analyticsDays, analyticsToday, periodOf } from '../use-cases/read-analytics.ts';

const taskRef = (id: string) => ({ __typename: 'Task' as const, id });

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Date: DateScalar,
  Money: MoneyScalar,
  Query: {
    analytics: (_, __, { viewer }) => {
      requireRole(viewer, ANALYSTS);
      return {};
    },
  },
  Analytics: {
    today: (_, __, { deps }) => analyticsToday(deps),
    days: (_, { from, to }, { deps }) => analyticsDays(deps, from, to),
    mostExpensiveTask: (_, { period, day }, { deps, topTasks }) => topTasks.load(periodOf(deps, period, day)),
  },
  ExpensiveTask: {
    task: (ranked) => taskRef(ranked.taskId),
  },
  Subscription: {
    analyticsToday: {
      subscribe: (_, __, { viewer, today }) => today.subscribe(viewer),
    },
  },
};
