import type { AnyEventEnvelope } from '@ates/events';

export type TaskEventKind = 'ASSIGNED' | 'UNASSIGNED' | 'COMPLETED';

/**
 * What a task event means to one popug: a task given to them, taken from them (reassigned to
 * someone else), or completed by them; nothing otherwise. A shuffle that lands a task on its
 * current assignee again is an assignment to them.
 */
export function myTaskEventKind(
  event: AnyEventEnvelope,
  userId: string,
): { kind: TaskEventKind; taskId: string } | null {
  if (event.type === 'task.assigned') {
    if (event.data.assigneeId === userId) return { kind: 'ASSIGNED', taskId: event.data.taskId };
    if (event.data.previousAssigneeId === userId) return { kind: 'UNASSIGNED', taskId: event.data.taskId };
  }
  if (event.type === 'task.completed' && event.data.assigneeId === userId) {
    return { kind: 'COMPLETED', taskId: event.data.taskId };
  }
  return null;
}
