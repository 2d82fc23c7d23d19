import { conflict, forbidden, notFound, type Viewer } from '@ates/service-kit';
import type { TaskStatus } from './task.ts';

/** Only the current assignee completes an OPEN task. */
export function checkCompletion<T extends { id: string; status: TaskStatus; assigneeId: string }>(
  task: T | undefined,
  viewer: Viewer,
  id: string,
): asserts task is T {
  if (!task) throw notFound(`No task with id ${id}`);
  if (task.status === 'DONE') throw conflict('This task is already done');
  if (task.assigneeId !== viewer.userId) throw forbidden('Only the assignee can complete this task');
}
