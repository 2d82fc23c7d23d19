import { enqueueEvents } from '@ates/events';
import { requireViewer, type Viewer } from '@ates/service-kit';
import { checkCompletion } from '../domain/completion.ts';
import { lockTask, markTaskDone } from '../db/task-repository.ts';
import type { TaskRow } from '../db/schema.ts';
import { taskCompleted, taskUpdated } from '../events/task-events.ts';
import type { TasksDeps } from './deps.ts';

/**
 * The assignee marks their OPEN task DONE. The row lock makes the check and the change one
 * step: a shuffle that moved the task first makes this FORBIDDEN, never a reward to the old
 * assignee; a second completion finds it DONE (CONFLICT).
 */
export async function completeTask(
  deps: TasksDeps,
  viewer: Viewer | null,
  id: string,
  correlationId?: string,
): Promise<TaskRow> {
  const caller = requireViewer(viewer);
  return deps.db.transaction(async (tx) => {
    const task = await lockTask(tx, id);
    checkCompletion(task, caller, id);
    const now = deps.clock.now();
    const done = await markTaskDone(tx, task, now);
    await enqueueEvents(tx, [taskCompleted(done, correlationId), taskUpdated(done, now, correlationId)]);
    return done;
  });
}
