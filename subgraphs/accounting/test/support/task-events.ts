import { makeEvent } from '@ates/events';

/** The time and title every task event of these tests carries. */
export const at = '2026-03-01T12:00:00.000Z';
export const title = 'Feed the parrots';

export const created = (taskId: string, createdBy: string) =>
  makeEvent({
    type: 'task.created',
    version: 2,
    producer: 'tasks',
    aggregateId: taskId,
    data: { taskId, title, jiraId: null, description: '', createdBy, createdAt: at },
  });

export const assigned = (taskId: string, assigneeId: string, assignmentNo: number) =>
  makeEvent({
    type: 'task.assigned',
    version: 1,
    producer: 'tasks',
    aggregateId: taskId,
    data: { taskId, assigneeId, previousAssigneeId: null, assignmentNo, assignedAt: at, title, jiraId: null },
  });

/** A shuffle's chunk: task.assigned v2 with one item per assignment. */
export const shuffleChunk = (list: { taskId: string; assigneeId: string; assignmentNo: number }[]) =>
  makeEvent({
    type: 'task.assigned',
    version: 2 as const,
    producer: 'tasks',
    data: {
      assignments: list.map((a) => ({ ...a, previousAssigneeId: null, assignedAt: at, title, jiraId: null })),
    },
  });

export const completed = (taskId: string, assigneeId: string) =>
  makeEvent({
    type: 'task.completed',
    version: 1,
    producer: 'tasks',
    aggregateId: taskId,
    data: { taskId, assigneeId, completedAt: at, title, jiraId: null },
  });
