import { DateTimeScalar, requireRole, requireViewer } from '@ates/service-kit';
import type { Resolvers } from '../generated/resolvers-types.ts';
import { checkPageSize, decodeCursor, encodeCursor } from '../domain/cursor.ts';
import { countTasks, pageTasks, tasksOfUser, trackedTasks } from '../db/task-repository.ts';
import { RECONCILERS } from '../domain/permissions.ts';
import { parseReconciliationPage } from '../domain/reconciliation-page.ts';
import { completeTask } from '../use-cases/complete-task.ts';
import { createTask } from '../use-cases/create-task.ts';
import { shuffleTasks } from '../use-cases/shuffle-tasks.ts';
import { myTasksStream } from './my-tasks-subscription.ts';

const userRef = (id: string) => ({ __typename: 'User' as const, id });

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    task: (_, { id }, { viewer, taskById }) => {
      requireViewer(viewer);
      return taskById.load(id);
    },
    tasks: async (_, { status, assigneeId, first, after }, { viewer, deps }) => {
      requireViewer(viewer);
      const size = checkPageSize(first ?? 50);
      const cursor = after ? decodeCursor(after) : null;
      const filter = { status, assigneeId };
      const [page, totalCount] = await Promise.all([
        pageTasks(deps.db, filter, size, cursor),
        countTasks(deps.db, filter),
      ]);
      const last = page.rows.at(-1);
      return {
        nodes: page.rows,
        totalCount,
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: last ? encodeCursor(last) : null },
      };
    },
  },
  Mutation: {
    createTask: (_, { input }, { viewer, deps, correlationId }) =>
      createTask(deps, viewer, input, correlationId),
    shuffleTasks: (_, __, { viewer, deps, correlationId }) => shuffleTasks(deps, viewer, correlationId),
    completeTask: (_, { id }, { viewer, deps, correlationId }) =>
      completeTask(deps, viewer, id, correlationId),
  },
  Subscription: {
    myTasks: {
      subscribe: (_, __, { viewer, deps, feed }) => myTasksStream(feed, deps, viewer),
    },
  },
  Task: {
    __resolveReference: (ref, { viewer, taskById }) => {
      requireViewer(viewer);
      return taskById.load(ref.id);
    },
    assignee: (task) => userRef(task.assigneeId),
    createdBy: (task) => userRef(task.createdBy),
  },
  Reconciliation: {
    __resolveReference: (ref) => ({ id: ref.id }),
    // One more than the page, so that accounting knows whether more tasks follow.
    tracked: (page, _, { viewer, deps }) => {
      requireRole(viewer, RECONCILERS);
      const { first, after } = parseReconciliationPage(page.id);
      return trackedTasks(deps.db, after, first + 1);
    },
  },
  User: {
    tasks: (user, { status }, { viewer, deps }) => {
      requireViewer(viewer);
      return tasksOfUser(deps.reads ?? deps.db, user.id, status);
    },
  },
};
