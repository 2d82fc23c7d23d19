import { enqueueEvents } from '@ates/events';
import type { Viewer } from '@ates/service-kit';
import { pickAssignee } from '../domain/assignment.ts';
import { requireViewer } from '@ates/service-kit';
import { validateNewTask, type NewTaskInput } from '../domain/task-input.ts';
import { assignableWorkers, insertTask } from '../db/task-repository.ts';
import type { TaskRow } from '../db/schema.ts';
import { taskAssigned, taskCreated } from '../events/task-events.ts';
import type { TasksDeps } from './deps.ts';

/**
 * Anyone logged in creates a task; it goes at once to a uniformly random assignable popug.
 * The task, `task.created` and its first `task.assigned` commit together or not at all.
 */
export async function createTask(
  deps: TasksDeps,
  viewer: Viewer | null,
  input: NewTaskInput,
  correlationId?: string,
): Promise<TaskRow> {
  const author = requireViewer(viewer);
  const valid = validateNewTask(input);
  return deps.db.transaction(async (tx) => {
    const assigneeId = pickAssignee(await assignableWorkers(tx), deps.random);
    const now = deps.clock.now();
    const task = await insertTask(tx, {
      id: deps.newId(),
      ...valid,
      status: 'OPEN',
      assigneeId,
      createdBy: author.userId,
      createdAt: now,
      assignmentCount: 1,
    });
    await enqueueEvents(tx, [
      taskCreated(task, correlationId),
      taskAssigned(
        {
          taskId: task.id,
          assigneeId,
          previousAssigneeId: null,
          assignmentNo: 1,
          title: task.title,
          jiraId: task.jiraId,
        },
        now,
        correlationId,
      ),
    ]);
    return task;
  });
}
