import { conflict, forbidden, notFound, type Viewer } from '@ates/service-kit';
import type { TaskStatus } from '../db/schema.ts';

/** Only the current assignee completes an OPEN task. */
export function checkCompletion(
  task: { id: string; status: TaskStatus; assigneeId: string } | undefined,
  viewer: Viewer,
  id: string,
): void {
  if (!task) throw notFound(`No task with id ${id}`);
  if (task.status === 'DONE') throw conflict('This task is already done');
  if (task.assigneeId !== viewer.userId) throw forbidden('Only the assignee can complete this task');
}
