import { liveStream, type LiveFeed } from '@ates/events';
import { requireViewer, type Viewer } from '@ates/service-kit';
import { myTaskEventKind, type TaskEventKind } from '../domain/my-task-events.ts';
import { findTasksByIds } from '../db/task-repository.ts';
import type { TaskRow } from '../db/schema.ts';
import type { TasksDeps } from '../use-cases/deps.ts';

export interface MyTaskEventPayload {
  myTasks: { kind: TaskEventKind; task: TaskRow };
}

/** The caller's task events, answered with the task as it is now. */
export function myTasksStream(
  feed: LiveFeed,
  deps: TasksDeps,
  viewer: Viewer | null,
): AsyncIterableIterator<MyTaskEventPayload> {
  const { userId } = requireViewer(viewer);
  return liveStream(feed, ['task.assigned', 'task.completed'], async (event) => {
    const meaning = myTaskEventKind(event, userId);
    if (!meaning) return null;
    const [task] = await findTasksByIds(deps.db, [meaning.taskId]);
    return task ? { myTasks: { kind: meaning.kind, task } } : null;
  });
}
