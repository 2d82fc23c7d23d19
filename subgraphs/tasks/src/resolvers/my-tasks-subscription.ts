import { liveStreamEach, type LiveFeed } from '@ates/events';
import { requireViewer, type Viewer } from '@ates/service-kit';
import { myTaskEvents, type TaskEventKind } from '../domain/my-task-events.ts';
import { findTasksByIds } from '../db/task-repository.ts';
import type { TaskRow } from '../db/schema.ts';
import type { TasksDeps } from '../use-cases/deps.ts';

export interface MyTaskEventPayload {
  myTasks: { kind: TaskEventKind; task: TaskRow };
}

/**
 * The caller's task events, each answered with the task as it is now: a shuffle's chunk may
 * give and take several of the caller's tasks at once, read with one query.
 */
export function myTasksStream(
  feed: LiveFeed,
  deps: TasksDeps,
  viewer: Viewer | null,
): AsyncIterableIterator<MyTaskEventPayload> {
  const { userId } = requireViewer(viewer);
  return liveStreamEach(feed, ['task.assigned', 'task.completed'], async (event) => {
    const meanings = myTaskEvents(event, userId);
    if (meanings.length === 0) return [];
    const rows = await findTasksByIds(deps.db, [...new Set(meanings.map((m) => m.taskId))]);
    const tasks = new Map(rows.map((task) => [task.id, task]));
    return meanings.flatMap(({ kind, taskId }) => {
      const task = tasks.get(taskId);
      return task ? [{ myTasks: { kind, task } }] : [];
    });
  });
}
