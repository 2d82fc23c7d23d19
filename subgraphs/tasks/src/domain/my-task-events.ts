import { assignmentsOf, type AnyEventEnvelope } from '@ates/events';

export type TaskEventKind = 'ASSIGNED' | 'UNASSIGNED' | 'COMPLETED';

export interface MyTaskEvent {
  kind: TaskEventKind;
  taskId: string;
}

/**
 * What a task event means to each popug it concerns, worked out once per event: every
 * subscriber's stream maps the same event object, and a shuffle's `task.assigned` carries a
 * thousand assignments.
 */
const byPopug = new WeakMap<AnyEventEnvelope, ReadonlyMap<string, readonly MyTaskEvent[]>>();

/**
 * What a task event means to one popug, in the event's order: tasks given to them, taken from
 * them (reassigned to someone else), or completed by them; nothing otherwise. A shuffle that
 * lands a task on its current assignee again is an assignment to them. Reads `task.assigned`
 * v1 (one assignment) and v2 (a list) alike.
 */
export function myTaskEvents(event: AnyEventEnvelope, userId: string): readonly MyTaskEvent[] {
  let meanings = byPopug.get(event);
  if (!meanings) {
    meanings = meaningsByPopug(event);
    byPopug.set(event, meanings);
  }
  return meanings.get(userId) ?? [];
}

function meaningsByPopug(event: AnyEventEnvelope): Map<string, MyTaskEvent[]> {
  const meanings = new Map<string, MyTaskEvent[]>();
  const add = (userId: string, meaning: MyTaskEvent) => {
    const list = meanings.get(userId);
    if (list) list.push(meaning);
    else meanings.set(userId, [meaning]);
  };
  if (event.type === 'task.assigned') {
    for (const a of assignmentsOf(event)) {
      add(a.assigneeId, { kind: 'ASSIGNED', taskId: a.taskId });
      if (a.previousAssigneeId !== null && a.previousAssigneeId !== a.assigneeId)
        add(a.previousAssigneeId, { kind: 'UNASSIGNED', taskId: a.taskId });
    }
  }
  if (event.type === 'task.completed')
    add(event.data.assigneeId, { kind: 'COMPLETED', taskId: event.data.taskId });
  return meanings;
}
