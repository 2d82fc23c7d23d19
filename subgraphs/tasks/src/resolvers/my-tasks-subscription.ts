import type { LiveFeed } from '@ates/events';
import { createPushIterator, requireViewer, type Viewer } from '@ates/service-kit';
import { myTaskEventKind, type TaskEventKind } from '../domain/my-task-events.ts';
import { findTasksByIds } from '../db/task-repository.ts';
import type { TaskRow } from '../db/schema.ts';
import type { TasksDeps } from '../use-cases/deps.ts';

export interface MyTaskEventPayload {
  myTasks: { kind: TaskEventKind; task: TaskRow };
}

/**
 * The caller's task events, fed by the live feed (every replica sees every event) and
 * answered with the task as it is now. Events are delivered in the order they arrived.
 */
export function myTasksStream(
  feed: LiveFeed,
  deps: TasksDeps,
  viewer: Viewer | null,
): AsyncIterableIterator<MyTaskEventPayload> {
  const { userId } = requireViewer(viewer);
  let chain = Promise.resolve();
  const iterator = createPushIterator<MyTaskEventPayload>(() => unlisten());
  const unlisten = feed.listen(['task.assigned', 'task.completed'], (event) => {
    const meaning = myTaskEventKind(event, userId);
    if (!meaning) return;
    chain = chain
      .then(async () => {
        const [task] = await findTasksByIds(deps.db, [meaning.taskId]);
        if (task) iterator.push({ myTasks: { kind: meaning.kind, task } });
      })
      .catch((error: unknown) => iterator.fail(error instanceof Error ? error : new Error(String(error))));
  });
  return iterator;
}
